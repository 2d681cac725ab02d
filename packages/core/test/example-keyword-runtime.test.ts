// The backend({ runtime, head }) example, served by the real `lsml start` CLI.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBackend } from './helpers/spawn-backend.js';

const example = path.join(path.dirname(fileURLToPath(import.meta.url)), '../examples/keyword-runtime.ts');
const CONFIG = '<View><Text name="review" value="$review"/><Choices name="sentiment" toName="review"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('examples/keyword-runtime.ts', () => {
  it('serves predictions, [] for a task without its text, and 422 for a config without Choices', async () => {
    const b = await spawnBackend(example);
    stops.push(() => b.stop());
    expect((await (await fetch(`${b.url}/health`)).json()) as unknown).toEqual({ model_class: 'KeywordRuntime', status: 'UP' });
    const setup = await post(`${b.url}/setup`, { project: '1.1', schema: CONFIG });
    expect(setup).toEqual({ status: 200, body: { model_version: 'keyword-runtime-1' } });
    const { body } = await post(`${b.url}/predict`, { project: '1.1', label_config: CONFIG, tasks: [{ id: 1, data: { review: 'I love it, great' } }, { id: 2, data: {} }] });
    const results = body.results as Array<{ result?: Array<{ value: { choices: string[] } }>; model_version?: string }>;
    expect(results[0]!.result![0]!.value.choices).toEqual(['Positive']);
    expect(results[0]!.model_version).toBe('keyword-runtime-1');
    expect(results[1]).toEqual([]);
    const misfit = await post(`${b.url}/setup`, { project: '2.1', schema: '<View><Text name="t" value="$t"/></View>' });
    expect(misfit.status).toBe(422);
    expect(misfit.body.detail).toBe('LabelConfigMismatchError: This model needs a <Choices> or <Taxonomy> over a <Text> or <HyperText>; the label config has none');
  });
});
