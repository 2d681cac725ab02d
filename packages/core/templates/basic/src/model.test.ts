// Starts the model on a free port and talks to it the way Label Studio does.
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Model from './model.js';

const LABEL_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
</View>`;

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(Model);
});
afterAll(() => backend.stop());

describe('{{className}} as Label Studio sees it', () => {
  it('speaks the ML backend protocol', async () => {
    await replayConformanceCases(backend, { labelConfig: LABEL_CONFIG });
  });

  it('pre-annotates tasks with valid predictions', async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: LABEL_CONFIG,
      tasks: [{ text: 'I love this product' }, { text: 'A terrible experience' }, { text: 'It arrived on Tuesday' }],
    });
    const choices = report.predictions.map((p) => (p as { result: Array<{ value: { choices: string[] } }> }).result[0]?.value.choices[0]);
    expect(choices).toEqual(['Positive', 'Negative', 'Neutral']);
  });
});
