// The @lsml/testing kit on the TF.js adapter: a `TfjsTextClassifier` backend gets the protocol cases,
// then Label Studio's training loop (webhooks → START_TRAINING → job_status → new version).
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TfjsTextClassifier } from './backend.js';
import { syntheticExamples } from './synthetic-text.test-helper.js';

const CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/></Choices></View>';

class KitClassifier extends TfjsTextClassifier {
  static override training = { trainEvery: 1000 }; // only "Start Training" trains
  protected override classifierOptions() {
    return { vectorizer: { dims: 1024 } };
  }
  protected override trainOptions() {
    return { epochs: 10 };
  }
}

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(KitClassifier, { server: { strictValidation: true } });
});
afterAll(() => backend.stop());

describe('@lsml/tfjs with the @lsml/testing kit', () => {
  it('passes the protocol conformance cases', async () => {
    await replayConformanceCases(backend, { labelConfig: CONFIG });
  });

  it('trains through Label Studio’s loop and predicts with the new version', { timeout: 60_000 }, async () => {
    const examples = syntheticExamples(24, 3);
    const report = await simulateLabelStudio(backend, {
      labelConfig: CONFIG,
      tasks: examples.map((e) => ({ text: e.text })),
      annotations: examples.map((e, task) => ({ task, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [e.label] } }] })),
    });
    expect(report.training?.final).toMatchObject({ job_status: 'finished' });
    expect(report.modelVersionAfterTraining).toBe('0.1.0');
    expect(report.predictionsAfterTraining).toHaveLength(examples.length);
  });
});
