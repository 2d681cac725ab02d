// tfjsRuntime: train on labelled texts, predict calibrated class scores in worker threads (or on the
// event loop in slices), save TF.js Layers files that TF.js itself loads, restore, and fail with
// TfjsError codes shared by every adapter.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LsmlError, type TextInput, type TrainingExample } from '@lsml/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TfjsError } from './errors.js';
import { loadLayersModel } from './file-io.js';
import { fitLogisticRegression } from './logistic-regression.js';
import { tfjsRuntime, type TfjsTextRuntime, type TfjsTrainOutput } from './runtime.js';
import { SYNTHETIC_LABELS, syntheticExamples } from './synthetic-text.test-helper.js';
import { HashedNgramVectorizer } from './text-vectorizer.js';

const train = syntheticExamples(300, 3).map((e): TrainingExample<'text'> => ({ input: { kind: 'text', text: e.text }, labels: [e.label] }));
const heldOut = syntheticExamples(150, 11);
const inputs: TextInput[] = heldOut.map((e) => ({ kind: 'text', text: e.text }));
const labels: string[] = [...SYNTHETIC_LABELS];
const VECTORIZER = { dims: 1 << 12, ngramRange: [1, 2] as [number, number] };

let root: string;
const runtimes: TfjsTextRuntime[] = [];
const make = (settings: Parameters<typeof tfjsRuntime>[0] = {}) => {
  const rt = tfjsRuntime({ vectorizer: VECTORIZER, ...settings });
  runtimes.push(rt);
  return rt;
};
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-tfjs-runtime-'));
});
afterAll(async () => {
  for (const rt of runtimes) await rt.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

const best = (o: { classes: readonly { label: string; score: number }[] }) => [...o.classes].sort((a, b) => b.score - a.score)[0]!;
const accuracy = (outs: readonly { classes: readonly { label: string; score: number }[] }[]) => outs.filter((o, i) => best(o).label === heldOut[i]!.label).length / outs.length;

describe('tfjsRuntime: the contract runtime of @lsml/tfjs', () => {
  let trained: TfjsTextRuntime;
  let output: TfjsTrainOutput;
  let scores: Awaited<ReturnType<TfjsTextRuntime['run']>>;

  it('declares itself: text in, classes out, trainable, per project, in worker threads', () => {
    const rt = make();
    expect(rt).toMatchObject({ provider: 'tfjs', input: 'text', output: 'classes', modelId: 'tfjs-text-classifier' });
    expect(rt.capabilities).toEqual({ batching: false, shared: false, threads: 'worker', trainable: true });
    expect(make({ threads: 0 }).capabilities.threads).toBe('event-loop');
  });

  it('loads untrained, and refuses to run before it has a model (not_loaded, 409)', async () => {
    const rt = make({ labels: ['a', 'b'] });
    expect(await rt.load()).toMatchObject({ labels: ['a', 'b'], untrained: true });
    const err = await rt.run([{ kind: 'text', text: 'x' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TfjsError);
    expect(err).toMatchObject({ code: 'not_loaded', status: 409 });
    expect(LsmlError.is(err)).toBe(true);
  });

  it('trains in a worker thread and predicts calibrated scores for every class', async () => {
    trained = make();
    await trained.load();
    const progress: number[] = [];
    output = (await trained.train(train, { labels, onProgress: (p) => void progress.push(p) })) as unknown as TfjsTrainOutput;
    expect(output).toMatchObject({ examples: 300, skippedExamples: 0, labels, ranOn: 'worker', trainExamples: 300, valExamples: 60, converged: true, warmStart: false });
    expect(output.valAccuracy).toBeGreaterThan(0.8);
    expect(progress).toEqual([0, 100]);
    scores = await trained.run(inputs);
    expect(scores).toHaveLength(inputs.length);
    for (const o of scores) {
      expect(o.kind).toBe('classes');
      expect(o.classes.map((c) => c.label)).toEqual(labels);
      expect(o.classes.reduce((a, c) => a + c.score, 0)).toBeCloseTo(1, 5);
    }
    // 5 % label noise and confusing words: well above chance (1/3), below perfect.
    expect(accuracy(scores)).toBeGreaterThan(0.8);
  });

  it('gives the same scores on the event loop (threads: 0) as in workers, yielding between slices', async () => {
    const rt = make({ threads: 0, chunkSize: 20 });
    await rt.load();
    const dir = path.join(root, 'for-event-loop');
    await trained.save(dir);
    await rt.restore(dir);
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    const out = await rt.run(inputs);
    clearInterval(tick);
    expect(turns).toBeGreaterThan(0); // other callbacks ran while it scored 150 texts in slices of 20
    out.forEach((o, i) => o.classes.forEach((c, j) => expect(c.score).toBeCloseTo(scores[i]!.classes[j]!.score, 6)));
  });

  it('keeps the event loop turning while workers score a large batch', async () => {
    const many: TextInput[] = Array.from({ length: 4000 }, (_, i) => inputs[i % inputs.length]!);
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    const out = await trained.run(many);
    clearInterval(tick);
    expect(out).toHaveLength(many.length);
    expect(turns).toBeGreaterThan(1);
  });

  it('saves TF.js Layers files that tf.loadLayersModel serves with the same (uncalibrated) probabilities', async () => {
    const dir = path.join(root, 'saved');
    await trained.save(dir);
    expect((await fs.readdir(dir)).sort()).toEqual(['model.json', 'vectorizer.json', 'weights.bin']);
    const model = await loadLayersModel(dir);
    const meta = (model.getUserDefinedMetadata() as { lsml: { labels: string[]; temperature: number } }).lsml;
    expect(meta.labels).toEqual(labels);
    const vectorizer = HashedNgramVectorizer.fromJSON(JSON.parse(await fs.readFile(path.join(dir, 'vectorizer.json'), 'utf8')));
    const texts = heldOut.slice(0, 5).map((e) => e.text);
    const probs = tf.tidy(() => (model.predict(tf.tensor2d(vectorizer.transform(texts), [texts.length, vectorizer.dims])) as tf.Tensor).arraySync() as number[][]);
    model.dispose();
    // Calibrated scores are softmax(log p / T): undo T on the runtime's scores and compare.
    const ours = await trained.run(texts.map((text) => ({ kind: 'text', text })));
    ours.forEach((o, i) => {
      const logits = o.classes.map((c) => Math.log(c.score) * meta.temperature);
      const max = Math.max(...logits);
      const z = logits.reduce((a, l) => a + Math.exp(l - max), 0);
      logits.forEach((l, j) => expect(Math.exp(l - max) / z).toBeCloseTo(probs[i]![j]!, 4));
    });
  });

  it('restores a saved version into a fresh runtime, and serves one from settings.model', async () => {
    const dir = path.join(root, 'spam-v3');
    await trained.save(dir);
    const restored = make();
    await restored.load();
    await restored.restore(dir);
    const again = await restored.run(inputs.slice(0, 10));
    again.forEach((o, i) => expect(o).toEqual(scores[i]));

    const served = make({ model: dir });
    expect(served.modelId).toBe('spam-v3');
    expect(await served.load()).toEqual({ labels });
    expect(await served.run(inputs.slice(0, 10))).toEqual(again);
    // dispose() then load() reads the files again.
    await served.dispose();
    await served.load();
    expect(await served.run(inputs.slice(0, 1))).toEqual(again.slice(0, 1));
  });

  it('warm-starts a retraining from the model it serves', async () => {
    const more = syntheticExamples(330, 3).map((e): TrainingExample<'text'> => ({ input: { kind: 'text', text: e.text }, labels: [e.label] }));
    const next = (await trained.train(more, { labels })) as unknown as TfjsTrainOutput;
    expect(next.warmStart).toBe(true);
    expect(next.iterations).toBeLessThan(output.iterations);
    expect(accuracy(await trained.run(inputs))).toBeGreaterThan(0.8);
  });

  it('skips examples whose labels it does not learn, and needs two classes', async () => {
    const rt = make();
    const out = (await rt.train([...train.slice(0, 60), { input: { kind: 'text', text: 'other' }, labels: ['Unknown'] }], { labels })) as unknown as TfjsTrainOutput;
    expect(out).toMatchObject({ examples: 60, skippedExamples: 1 });
    const err = await rt.train(train.filter((e) => e.labels[0] === 'Positive'), { labels }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_input', status: 400 });
    expect((err as Error).message).toMatch(/at least two different labels/);
  });

  it('rejects bad settings with invalid_settings and bad inputs with invalid_input', async () => {
    expect(() => tfjsRuntime({ c: 0 })).toThrow(/c must be a positive number/);
    const settingsError = (() => {
      try {
        tfjsRuntime({ c: 0 });
      } catch (e) {
        return e;
      }
    })();
    expect(settingsError).toMatchObject({ code: 'invalid_settings', status: 500 });
    expect(() => tfjsRuntime({ threads: -1 })).toThrow(/threads must be a whole number/);
    expect(() => tfjsRuntime({ vectorizer: { ngramRange: [2, 1] } })).toThrow(/vectorizer: ngramRange/);
    expect(() => tfjsRuntime({ labels: ['only'] })).toThrow(TfjsError);
    const err = await trained.run([{ kind: 'text', text: 42 } as unknown as TextInput]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_input' });
    expect((err as Error).message).toMatch(/inputs\[0\]/);
  });

  it('rejects with the abort reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    await expect(trained.run(inputs, { signal: controller.signal })).rejects.toThrow('client went away');
    const late = new AbortController();
    const running = trained.run(Array.from({ length: 3000 }, (_, i) => inputs[i % inputs.length]!), { signal: late.signal });
    late.abort(new Error('timed out'));
    await expect(running).rejects.toThrow('timed out');
  });

  it('fails to load a missing or foreign model with model_load naming the file', async () => {
    const missing = path.join(root, 'nope');
    const err = await make({ model: missing }).load().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'model_load', file: path.join(missing, 'model.json') });
    const foreign = path.join(root, 'foreign');
    const dense = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    await dense.save(`file://${foreign}`);
    dense.dispose();
    await expect(make({ model: foreign }).load()).rejects.toMatchObject({ code: 'model_load', message: expect.stringMatching(/is not a text classifier/) });
  });
});

describe('fitLogisticRegression', () => {
  it('reaches the optimum: the gradient of the objective vanishes (binary and 3 classes)', () => {
    const v = new HashedNgramVectorizer({ dims: 256, ngramRange: [1, 1] });
    const ex = syntheticExamples(120, 5);
    const x = v.transformSparse(ex.map((e) => e.text));
    for (const k of [2, 3]) {
      const targets = Int32Array.from(ex, (e) => Math.min(labels.indexOf(e.label), k - 1));
      const fit = fitLogisticRegression(x, targets, k, { c: 10, maxIterations: 500, tolerance: 1e-7 });
      expect(fit.converged).toBe(true);
      // Finite-difference check on the mean objective at the optimum, along a few coordinates.
      const objective = (w: Float32Array, b: Float32Array) => {
        let loss = 0;
        for (let i = 0; i < x.rows; i++) {
          const z = Array.from(b, Number);
          for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) for (let j = 0; j < k; j++) z[j]! += x.values[p]! * w[x.indices[p]! * k + j]!;
          const max = Math.max(...z);
          loss += max + Math.log(z.reduce((a, zz) => a + Math.exp(zz - max), 0)) - z[targets[i]!]!;
        }
        let sq = 0;
        for (const wi of w) sq += wi * wi;
        // Binary fits penalise the single vector w = W1 − W0 (‖w‖² = 2‖W‖²), as scikit-learn does.
        return loss + (k === 2 ? 2 : 1) * (0.5 * sq) / 10;
      };
      const base = objective(fit.weights, fit.bias);
      expect(base / x.rows).toBeLessThan(Math.log(k));
      const h = 1e-2;
      const col = x.indices[0]!;
      const moved = Float32Array.from(fit.weights);
      moved[col * k]! += h;
      if (k === 2) moved[col * k + 1]! -= h;
      expect(objective(moved, fit.bias)).toBeGreaterThanOrEqual(base - 1e-3);
    }
  });
});
