// The @lsml/testing kit on the ONNX adapter: `onnxClassifier` on the generated test model, in process
// (protocol cases + Label Studio's sequence) and the runnable example through `lsml start`.
import { fileURLToPath } from 'node:url';
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxClassifier } from './backend.js';
import { releaseAllModels } from './onnx-model.js';
import { CLASSIFIER, FEATURES, LABELS, REVIEWS } from './test-models.test-helper.js';
import { hashedBagOfWords } from './text-features.js';

const CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="Negative"/><Choice value="Neutral"/><Choice value="Positive"/></Choices></View>';

const running: RunningBackend[] = [];
afterAll(async () => {
  await Promise.all(running.map((b) => b.stop()));
  await releaseAllModels();
});

describe('@lsml/onnx with the @lsml/testing kit', () => {
  it('onnxClassifier passes the protocol cases and Label Studio’s sequence', async () => {
    const Backend = onnxClassifier({ name: 'OnnxKit', model: CLASSIFIER, labels: LABELS, featurize: (t) => hashedBagOfWords(t, FEATURES), modelVersion: 'onnx-kit-1' });
    const backend = await startBackend(Backend, { server: { strictValidation: true } });
    running.push(backend);
    await replayConformanceCases(backend, { labelConfig: CONFIG });
    const report = await simulateLabelStudio(backend, { labelConfig: CONFIG, tasks: REVIEWS.map((text) => ({ text })) });
    expect(report.modelVersion).toBe('onnx-kit-1');
    expect(report.predictions).toHaveLength(REVIEWS.length);
  });

  it('the example serves through `lsml start`', { timeout: 60_000 }, async () => {
    const backend = await startBackend(fileURLToPath(new URL('../examples/sentiment.ts', import.meta.url)));
    running.push(backend);
    const report = await simulateLabelStudio(backend, { labelConfig: CONFIG, tasks: [{ text: 'I love it' }, { text: 'awful, broken' }], modelClass: 'OnnxSentiment' });
    expect(report.predictions).toHaveLength(2);
  });
});
