import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from './runtime.js';
import { formatProgressBar, seededPermutation, splitTrainValidation, trainModel, type TrainProgress } from './train.js';

beforeAll(() => initTfjs({ backend: 'cpu' }));

/** Two Gaussian blobs: learnable in a few epochs. */
function data(n: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 2), 'int32');
    const x = tf.randomNormal([n, 8], 0, 1, 'float32', 3).add(labels.expandDims(1).toFloat().mul(3));
    return { x, y: tf.oneHot(labels, 2).toFloat() };
  });
}

/** A softmax regression; disposeAll() frees its weights and its optimizer state. */
function model(): tf.LayersModel & { disposeAll(): void } {
  const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 2, activation: 'softmax' })] });
  const optimizer = tf.train.adam(0.05); // an instance is not owned (not disposed) by the model
  m.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return Object.assign(m, {
    disposeAll() {
      m.dispose();
      optimizer.dispose();
    },
  });
}

describe('trainModel', () => {
  it('reports progress up to 100% and returns serialisable metrics', async () => {
    const before = tf.memory().numTensors;
    const { x, y } = data(200);
    const m = model();
    const events: TrainProgress[] = [];
    const metrics = await trainModel(m, x, y, { epochs: 5, batchSize: 16, earlyStopping: false, progressIntervalMs: 0, onProgress: (e) => void events.push(e) });
    expect(metrics).toMatchObject({ epochs: 5, stoppedEarly: false, bestEpoch: 5, trainExamples: 160, valExamples: 40, backend: 'cpu' });
    expect(metrics.history.loss).toHaveLength(5);
    expect(metrics.valAccuracy).toBeGreaterThan(0.6);
    expect(JSON.parse(JSON.stringify(metrics))).toEqual(metrics);
    const epochs = events.filter((e) => e.phase === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(events.filter((e) => e.phase === 'batch')).toHaveLength(5 * 10);
    expect(events.map((e) => e.percent)).toEqual([...events.map((e) => e.percent)].sort((a, b) => a - b));
    expect(epochs.at(-1)).toMatchObject({ percent: 100, batch: 10, batches: 10 });
    expect(events.at(-1)).toMatchObject({ phase: 'end', percent: 100, epoch: 5, loss: metrics.loss, valAccuracy: metrics.valAccuracy! });
    expect(events.at(-1)!.message).toMatch(/^done after 5 epochs: loss /);
    expect(epochs.at(-1)!.message).toMatch(/^epoch 5\/5 loss \d\.\d{4} acc \d\.\d{3} val_loss \d\.\d{4} val_acc \d\.\d{3}$/);
    expect(formatProgressBar(epochs[1]!, 10)).toMatch(/^\[####------\]  40% epoch 2\/5 /);
    tf.dispose([x, y]);
    m.disposeAll();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on abort after the current batch and rejects with the reason, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const { x, y } = data(400);
    const m = model();
    const controller = new AbortController();
    let batches = 0;
    setTimeout(() => controller.abort(), 30); // aborted from a timer: training must yield to let it run
    const run = trainModel(m, x, y, { epochs: 1000, batchSize: 8, signal: controller.signal, onProgress: () => void batches++, progressIntervalMs: 0 });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(1000 * 40);
    await expect(trainModel(m, x, y, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    tf.dispose([x, y]);
    m.disposeAll();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops early when the monitored metric stalls and restores the best weights', async () => {
    const before = tf.memory().numTensors;
    const { x, y } = data(200);
    const m = model();
    const seen: number[][] = [];
    const ends: Array<{ phase: string; percent: number }> = [];
    const metrics = await trainModel(m, x, y, {
      epochs: 500,
      // The blobs separate within a few epochs; then val_loss creeps by less than minDelta.
      earlyStopping: { patience: 2, minDelta: 1e-2 },
      onProgress: (e) => {
        if (e.phase === 'epoch') seen.push(Array.from(m.getWeights()[0]!.dataSync()));
        if (e.phase === 'end') ends.push({ phase: e.phase, percent: e.percent });
      },
    });
    expect(metrics.stoppedEarly).toBe(true);
    expect(ends).toEqual([{ phase: 'end', percent: 100 }]); // a job's progress still ends at 100
    expect(metrics.epochs).toBe(metrics.bestEpoch + 2);
    expect(metrics.epochs).toBeLessThan(500);
    expect(metrics.valLoss).toBe(metrics.history.valLoss[metrics.bestEpoch - 1]);
    expect(Array.from(m.getWeights()[0]!.dataSync())).toEqual(seen[metrics.bestEpoch - 1]);
    tf.dispose([x, y]);
    m.disposeAll();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('splits with a seeded shuffle so every class reaches the validation set', () => {
    expect(Array.from(seededPermutation(10, 1))).toEqual(Array.from(seededPermutation(10, 1)));
    expect(Array.from(seededPermutation(10, 1)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Sorted labels (all 0s then all 1s): a tail split would hold out only 1s.
    const x = tf.range(0, 100).reshape([100, 1]);
    const y = tf.concat([tf.zeros([50]), tf.ones([50])]);
    const { train, validation } = splitTrainValidation(x, y, 0.2, 5);
    expect(train[0].shape).toEqual([80, 1]);
    const valLabels = Array.from(validation![1].dataSync());
    expect(valLabels).toHaveLength(20);
    expect(new Set(valLabels)).toEqual(new Set([0, 1]));
    tf.dispose([x, y, ...train, ...validation!]);
  });
});
