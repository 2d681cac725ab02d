// Starts the model on a free port and talks to it the way Label Studio does. The first run downloads
// MODEL_NAME from the Hugging Face hub; point MODEL_NAME at a local folder to test offline.
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Model from './model.js';

const LABEL_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <TextArea name="prompt" toName="text" editable="true"/>
  <TextArea name="generated_text" toName="text"/>
</View>`;

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(Model);
});
afterAll(() => backend.stop());

describe('{{className}} as Label Studio sees it', () => {
  it('speaks the ML backend protocol (loads the model)', { timeout: 300_000 }, async () => {
    await replayConformanceCases(backend, { labelConfig: LABEL_CONFIG });
  });

  it('writes a continuation per task, and follows the prompt typed in interactive mode', { timeout: 60_000 }, async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: LABEL_CONFIG,
      tasks: [{ text: 'Once upon a time' }, { text: 'The weather today' }],
      extraParams: { max_new_tokens: 4 },
      context: { result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Write a haiku'] } }] },
    });
    expect(report.predictions).toHaveLength(2);
    for (const p of [...report.predictions, ...(report.interactive ?? [])] as Array<{ result: Array<{ from_name: string; value: { text: string[] } }> }>) {
      expect(p.result[0]).toMatchObject({ from_name: 'generated_text' });
      expect(typeof p.result[0]!.value.text[0]).toBe('string');
    }
  });
});
