import { initTfjs } from '/work/main/packages/tfjs/src/runtime.js';
import { TextClassifier } from '/work/main/packages/tfjs/src/text-classifier.js';
import { syntheticExamples, SYNTHETIC_LABELS } from '/work/main/packages/tfjs/src/synthetic-text.test-helper.js';
import * as tf from '@tensorflow/tfjs';
for (const backend of ['cpu', 'wasm'] as const) {
  const rt = await initTfjs({ backend });
  const train = syntheticExamples(400, 1), test = syntheticExamples(300, 2);
  const clf = await TextClassifier.create({ labels: SYNTHETIC_LABELS, vectorizer: { dims: 1024 } });
  const t0 = performance.now();
  const m = await clf.train(train, { epochs: 30 });
  const t1 = performance.now();
  const preds = await clf.predict(test.map((e) => e.text));
  const acc = preds.filter((p, i) => p.label === test[i]!.label).length / test.length;
  const meanScore = preds.reduce((a, p) => a + p.score, 0) / preds.length;
  console.log(backend, rt.initMs, 'train ms', (t1 - t0).toFixed(0), 'epochs', m.epochs, m.bestEpoch, m.stoppedEarly, 'valAcc', m.valAccuracy, 'T', m.temperature.toFixed(3), 'test acc', acc, 'mean score', meanScore.toFixed(3));
  console.log(test[0], preds[0]);
  const many = Array.from({length: 1000}, (_, i) => test[i % test.length]!.text);
  for (let i = 0; i < 3; i++) { const t = performance.now(); await clf.predict(many); console.log('pred1000', (performance.now() - t).toFixed(1)); }
  clf.dispose();
  console.log(tf.memory().numTensors);
}
