// Starts the model on a free port and talks to it the way Label Studio does: connect, annotate, press
// "Start Training", poll the job, then get predictions from the trained version.
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Model from './model.js';

const LABEL_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
</View>`;
const TEXTS: Array<[string, string]> = [
  ['I love it, great quality', 'Positive'],
  ['Excellent service, very happy', 'Positive'],
  ['Great value, love the design', 'Positive'],
  ['Happy with it, excellent', 'Positive'],
  ['Terrible, it broke at once', 'Negative'],
  ['Awful support, very bad', 'Negative'],
  ['Bad quality, terrible smell', 'Negative'],
  ['Broken and awful, I want a refund', 'Negative'],
];
const choice = (label: string) => [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [label] } }];

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(Model);
});
afterAll(() => backend.stop());

describe('{{className}} as Label Studio sees it', () => {
  it('speaks the ML backend protocol', async () => {
    await replayConformanceCases(backend, { labelConfig: LABEL_CONFIG });
  });

  it('trains on annotations and then predicts with the new version', { timeout: 120_000 }, async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: LABEL_CONFIG,
      tasks: TEXTS.map(([text]) => ({ text })),
      annotations: TEXTS.map(([, label], task) => ({ task, result: choice(label) })),
    });
    expect(report.predictions).toEqual([]); // no model before the first training
    expect(report.training?.final).toMatchObject({ job_status: 'finished' });
    expect(report.modelVersionAfterTraining).toBe('{{className}}-v1');
    expect(report.predictionsAfterTraining).toHaveLength(TEXTS.length);
  });
});
