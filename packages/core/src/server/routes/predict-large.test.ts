// A "Retrieve predictions" sized request (thousands of tasks, a body over the 1 MB from which it is
// parsed in slices, an answer serialised in slices) must answer exactly what a small one would, and
// keep the event loop turning meanwhile.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { LabelStudioMLBase } from '../../model/label-studio-ml-base.js';
import { ModelResponse } from '../../protocol/model-response.js';
import type { Task } from '../../protocol/types.js';
import { MemoryStore } from '../../state/memory-store.js';
import { createServer, type LsmlServer } from '../create-server.js';

const CONFIG = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';

class Echo extends LabelStudioMLBase {
  override async predict(tasks: Task[]) {
    return new ModelResponse({
      predictions: tasks.map((t) =>
        t.id === 7
          ? [] // no prediction for this one
          : { score: (t.id as number) / 10_000, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [String(t.data?.text).startsWith('good') ? 'Positive' : 'Negative'] } }] },
      ),
    });
  }
}

let server: LsmlServer | undefined;
afterEach(async () => {
  await server?.close();
});

describe('a 5,000-task /predict', () => {
  it('answers one result per task, in order, as for a small request, with timers running meanwhile', async () => {
    server = createServer(Echo, { store: new MemoryStore(), env: {}, logLevel: 'silent' });
    const { url } = await server.listen(0, '127.0.0.1');
    const tasks = Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, data: { text: `${i % 3 ? 'good' : 'bad'} "mail" ✉ ${i} ${'lorem ipsum '.repeat(30)}` }, project: 1 }));
    const body = JSON.stringify({ tasks, project: '1.1714550400', label_config: CONFIG, params: { context: null } });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    clearInterval(timer);
    expect(res.status).toBe(200);
    const text = await res.text();
    const { results } = JSON.parse(text) as { results: Array<{ score: number; model_version: string; result: Array<{ value: { choices: string[] } }> } | []> };
    expect(results).toHaveLength(5000);
    expect(results[6]).toEqual([]);
    results.forEach((r, i) => {
      if (i === 6) return;
      const p = r as Exclude<typeof r, []>;
      expect(p.score).toBe((i + 1) / 10_000);
      expect(p.result[0]!.value.choices).toEqual([i % 3 ? 'Positive' : 'Negative']);
    });
    // The same text JSON.stringify gives in one call.
    expect(text).toBe(JSON.stringify({ results }));
    expect(ticks).toBeGreaterThan(0);
  });

  // A big body is read in slices (the stream is paused for a turn of the event loop after a few ms of
  // copying): each way it can arrive must still be read whole, once.
  it.each([
    ['with a Content-Length', (body: string) => ({ body, headers: {} })],
    ['gzip-encoded', (body: string) => ({ body: gzipSync(body), headers: { 'content-encoding': 'gzip' } })],
    [
      'chunked, without a Content-Length',
      (body: string) => ({
        body: Readable.toWeb(Readable.from(Array.from({ length: Math.ceil(body.length / 65_536) }, (_, i) => Buffer.from(body.slice(i * 65_536, (i + 1) * 65_536))))) as ReadableStream,
        headers: {},
        duplex: 'half' as const,
      }),
    ],
  ])('reads a 12 MB body %s whole', async (_name, encode) => {
    server = createServer(Echo, { store: new MemoryStore(), env: {}, logLevel: 'silent' });
    const { url } = await server.listen(0, '127.0.0.1');
    const tasks = Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, data: { text: `${i % 3 ? 'good' : 'bad'} ${i} ${'lorem ipsum '.repeat(50)}` }, project: 1 }));
    const json = JSON.stringify({ tasks, project: '1.1714550400', label_config: CONFIG, params: { context: null } });
    expect(json.length).toBeGreaterThan(12 * 1024 * 1024);
    const { headers, ...init } = encode(json);
    const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ...init } as RequestInit);
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<{ score: number; result: Array<{ value: { choices: string[] } }> } | []> };
    expect(results).toHaveLength(20_000);
    results.forEach((r, i) => {
      if (i === 6) return expect(r).toEqual([]);
      const p = r as Exclude<typeof r, []>;
      expect(p.score).toBe((i + 1) / 10_000);
      expect(p.result[0]!.value.choices).toEqual([i % 3 ? 'Positive' : 'Negative']);
    });
  });

  it('still answers 400 naming the JSON error for a broken big body', async () => {
    server = createServer(Echo, { store: new MemoryStore(), env: {}, logLevel: 'silent' });
    const { url } = await server.listen(0, '127.0.0.1');
    const tasks = Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, data: { text: 'lorem ipsum '.repeat(30) } }));
    const body = JSON.stringify({ tasks, label_config: CONFIG }).replace('},{', '},,{');
    const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    let message = '';
    try {
      JSON.parse(body);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(JSON.stringify(await res.json())).toContain(`Failed to decode JSON object: ${message}`.replace(/"/g, '\\"'));
  });
});
