// The @lsml/testing kit on this app, on the tiny random-weight GPT-2 (offline): the protocol cases,
// then Label Studio's sequence with extra params and an interactive prompt.
import { fileURLToPath } from 'node:url';
import type { BackendClass } from '@lsml/core';
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MODEL = fileURLToPath(new URL('../../../packages/transformers/test/models/tiny-gpt2', import.meta.url));
const CONFIG = '<View><Text name="text" value="$text"/><TextArea name="prompt" toName="text" editable="true"/><TextArea name="generated_text" toName="text"/></View>';

let backend: RunningBackend;
beforeAll(async () => {
  process.env.MODEL_NAME = MODEL;
  const { default: Gpt2 } = (await import('./model.js')) as { default: BackendClass };
  backend = await startBackend(Gpt2, { server: { strictValidation: true } });
});
afterAll(() => backend.stop());

describe('gpt2-generator with the @lsml/testing kit', () => {
  it('passes the protocol conformance cases', async () => {
    await replayConformanceCases(backend, { labelConfig: CONFIG });
  });

  it('works through Label Studio’s sequence, batch and interactive', async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: CONFIG,
      tasks: [{ text: 'Once upon a time' }, { text: 'In a galaxy far away' }],
      extraParams: { max_new_tokens: 3 },
      context: { result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Tell a story'] } }] },
    });
    expect(report.modelVersion).toBe('tiny-gpt2');
    expect(report.predictions).toHaveLength(2);
    expect(report.interactive).toHaveLength(1);
  });
});
