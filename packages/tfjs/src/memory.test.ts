// Memory hygiene: every predict and train path disposes its tensors, so the live count stays flat.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs, type TfjsBackendName } from './runtime.js';
import { SYNTHETIC_LABELS, syntheticExamples } from './synthetic-text.test-helper.js';
import { TextClassifier } from './text-classifier.js';

const examples = syntheticExamples(150, 3);
const texts = syntheticExamples(40, 4).map((e) => e.text);
let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-tfjs-mem-'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe.each<TfjsBackendName>(['cpu', 'wasm'])('tensor count on %s', (backend) => {
  beforeAll(() => initTfjs({ backend }));

  it('stays flat over 1,000 predicts', async () => {
    const clf = await TextClassifier.create({ labels: SYNTHETIC_LABELS, vectorizer: { dims: 512 } });
    await clf.train(examples, { epochs: 3 });
    await clf.predict(texts.slice(0, 3)); // warm-up
    const before = tf.memory();
    for (let i = 0; i < 1000; i++) await clf.predict(texts.slice(i % 30, (i % 30) + 1 + (i % 10)));
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    clf.dispose();
  });

  it('stays flat over 20 training rounds (train, save, swap in, dispose the old model)', async () => {
    const empty = tf.memory().numTensors;
    let serving: TextClassifier | null = null;
    const counts: number[] = [];
    for (let round = 0; round < 20; round++) {
      const next = await TextClassifier.create({ labels: SYNTHETIC_LABELS, vectorizer: { dims: 512 } });
      await next.train(examples, { epochs: 4, earlyStopping: round % 2 === 0 ? false : { patience: 1 } });
      await next.save(path.join(root, backend));
      await next.predict(texts);
      serving?.dispose();
      serving = next;
      counts.push(tf.memory().numTensors); // one trained model (weights + optimizer state) alive
    }
    expect(new Set(counts)).toEqual(new Set([counts[0]]));
    serving?.dispose();
    expect(tf.memory().numTensors).toBe(empty);
  });

  it('stays flat when one model is retrained in place 20 times', async () => {
    const clf = await TextClassifier.create({ labels: SYNTHETIC_LABELS, vectorizer: { dims: 512 } });
    await clf.train(examples, { epochs: 2 }); // creates the optimizer state
    const after = tf.memory().numTensors;
    for (let round = 0; round < 20; round++) await clf.train(examples, { epochs: 2 });
    expect(tf.memory().numTensors).toBe(after);
    clf.dispose();
  });
});
