// Starts the model on a free port and talks to it the way Label Studio does. The first run downloads
// MODEL_NAME from the Hugging Face hub; point MODEL_NAME at a local folder to test offline.
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Model from './model.js';

const LABEL_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single"><Choice value="Positive"/><Choice value="Negative"/></Choices>
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

  it('pre-annotates tasks with one valid prediction each', async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: LABEL_CONFIG,
      tasks: [{ text: 'I love this film' }, { text: 'A boring, bad film' }],
    });
    expect(report.predictions).toHaveLength(2);
    for (const p of report.predictions as Array<{ result: Array<{ value: { choices: string[] } }> }>) {
      expect(['Positive', 'Negative']).toContain(p.result[0]!.value.choices[0]);
    }
  });
});
