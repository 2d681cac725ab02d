import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { float32Rows, float32Tensor, int64Tensor, padSequences } from './feeds.js';
import { loadOnnxModel, releaseAllModels, sharedModels } from './onnx-model.js';
import { toRows } from './outputs.js';
import {
  CLASSIFIER,
  CLASSIFIER_FIXED,
  expectClose,
  FEATURES,
  referenceClassifier,
  referencePooler,
  REVIEWS,
  TOKEN_POOLER,
} from './test-models.test-helper.js';
import { hashedBagOfWords } from './text-features.js';
import { OnnxError } from './errors.js';
import type { Feeds } from './validate-feeds.js';

const features = (text: string) => hashedBagOfWords(text, FEATURES);
const item = (text: string): Feeds => ({ features: float32Tensor(features(text), [1, FEATURES]) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await releaseAllModels();
});

describe('OnnxModel metadata', () => {
  it('reads input and output names, types and shapes from the model', async () => {
    const model = await loadOnnxModel(CLASSIFIER);
    expect(model.inputs).toEqual([{ name: 'features', type: 'float32', shape: ['batch', FEATURES] }]);
    expect(model.outputs).toEqual([
      { name: 'probabilities', type: 'float32', shape: ['batch', 3] },
      { name: 'logits', type: 'float32', shape: ['batch', 3] },
    ]);
    expect(model.inputNames).toEqual(['features']);
    expect(model.hasBatchDim).toBe(true);
    expect(model.batching).toEqual({ maxBatchSize: 32, maxDelayMs: 0, maxQueueSize: 4096, pad: {} });
    expect(model.executionProviders).toContain('cpu');

    const fixed = await loadOnnxModel(CLASSIFIER_FIXED);
    expect(fixed.inputs).toEqual([{ name: 'features', type: 'float32', shape: [1, FEATURES] }]);
    expect(fixed.hasBatchDim).toBe(false);
    expect(fixed.batching).toBeNull();

    const pooler = await loadOnnxModel(TOKEN_POOLER);
    expect(pooler.inputs).toEqual([
      { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
      { name: 'attention_mask', type: 'int64', shape: ['batch', 'sequence'] },
    ]);
    expect(pooler.outputs.map((o) => o.shape)).toEqual([['batch', 'sequence', 3], ['batch', 8]]);
  });
});

describe('feed checks', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['a missing input', () => ({}), /^Missing input "features": the model expects float32 \[batch, 512\]$/],
    ['an unknown input', () => ({ feats: float32Tensor(new Float32Array(FEATURES), [1, FEATURES]) }), /^Unknown input "feats": the model's inputs are features \(float32 \[batch, 512\]\)$/],
    ['a plain array', () => ({ features: Array.from(features('x')) }), /^Input "features" must be a Tensor of float32 \[batch, 512\]; got an array$/],
    ['the wrong element type', () => ({ features: int64Tensor(new Array(FEATURES).fill(0), [1, FEATURES]) }), /^Input "features" expects float32 \[batch, 512\] but got int64 \[1, 512\]: element type must be float32$/],
    ['the wrong rank', () => ({ features: float32Tensor(features('x'), [FEATURES]) }), /^Input "features" expects float32 \[batch, 512\] but got float32 \[512\]: rank must be 2$/],
    ['the wrong feature width', () => ({ features: float32Tensor(new Float32Array(300), [1, 300]) }), /^Input "features" expects float32 \[batch, 512\] but got float32 \[1, 300\]: dim 1 must be 512$/],
    ['no object at all', () => null, /^Feeds must be an object of input name → Tensor; the model's inputs are features \(float32 \[batch, 512\]\)$/],
  ];

  it.each(cases)('rejects %s with the input and its expected type and shape', async (_name, feeds, message) => {
    const model = await loadOnnxModel(CLASSIFIER);
    const run = vi.spyOn(model.session, 'run');
    for (const call of [() => model.run(feeds() as Feeds), () => model.predict(feeds() as Feeds)]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OnnxError);
      expect((err as Error).message).toMatch(message);
    }
    // Rejected before onnxruntime saw anything.
    expect(run).not.toHaveBeenCalled();
  });

  it('checks that a symbolic dim has one size across inputs, and says which inputs disagree', async () => {
    const model = await loadOnnxModel(TOKEN_POOLER);
    const err = await model
      .run({ input_ids: int64Tensor([1, 2, 3], [1, 3]), attention_mask: int64Tensor([1, 1], [1, 2]) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxError);
    expect((err as OnnxError).input).toBe('attention_mask');
    expect((err as OnnxError).expected).toEqual({ type: 'int64', shape: ['batch', 'sequence'] });
    expect((err as OnnxError).actual).toEqual({ type: 'int64', dims: [1, 2] });
    expect((err as Error).message).toBe(
      'Input "attention_mask" expects int64 [batch, sequence] but got int64 [1, 2]: dim 1 ("sequence") is 2 but input "input_ids" has 3 for it',
    );
  });

  it('rejects a fixed-batch model fed a batch of two, naming the fixed dim', async () => {
    const model = await loadOnnxModel(CLASSIFIER_FIXED);
    await expect(model.run({ features: float32Rows([features('a'), features('b')]) })).rejects.toThrow(
      'Input "features" expects float32 [1, 512] but got float32 [2, 512]: dim 0 must be 1',
    );
  });
});

describe('numbers', () => {
  it('matches a plain-JS forward pass of the same weights, for a whole batch', async () => {
    const model = await loadOnnxModel(CLASSIFIER);
    const rows = REVIEWS.map(features);
    const out = await model.run({ features: float32Rows(rows) });
    expect(out.probabilities?.dims).toEqual([REVIEWS.length, 3]);
    const probs = toRows(out.probabilities!);
    const logits = toRows(out.logits!);
    rows.forEach((x, i) => {
      const ref = referenceClassifier(x);
      expectClose(logits[i]!, ref.logits);
      expectClose(probs[i]!, ref.probabilities);
    });
  });

  it('computes only the outputs asked for', async () => {
    const model = await loadOnnxModel(CLASSIFIER);
    const out = await model.run(item('good'), { outputs: ['logits'] });
    expect(Object.keys(out)).toEqual(['logits']);
  });
});

describe('micro-batching', () => {
  it('merges concurrent predict calls into one session.run and gives each caller its own rows', async () => {
    const model = await loadOnnxModel(CLASSIFIER, { batching: { maxDelayMs: 20 } });
    const run = vi.spyOn(model.session, 'run');
    const results = await Promise.all(REVIEWS.map((text) => model.predict(item(text))));
    expect(run).toHaveBeenCalledTimes(1);
    expect(model.stats).toMatchObject({ runs: 1, items: REVIEWS.length, largestRun: REVIEWS.length });
    results.forEach((r, i) => {
      expect(r.probabilities?.dims).toEqual([1, 3]);
      expectClose(r.probabilities!.data as Float32Array, referenceClassifier(features(REVIEWS[i]!)).probabilities);
      expectClose(r.logits!.data as Float32Array, referenceClassifier(features(REVIEWS[i]!)).logits);
    });
  });

  it('caps batches at maxBatchSize', async () => {
    const model = await loadOnnxModel(CLASSIFIER, { batching: { maxBatchSize: 3, maxDelayMs: 20 } });
    const run = vi.spyOn(model.session, 'run');
    await Promise.all(REVIEWS.map((text) => model.predict(item(text))));
    expect(run).toHaveBeenCalledTimes(Math.ceil(REVIEWS.length / 3));
    expect(model.stats.largestRun).toBe(3);
  });

  it('predictMany batches a multi-task request and keeps task order', async () => {
    const model = await loadOnnxModel(CLASSIFIER, { batching: { maxBatchSize: 4 } });
    const run = vi.spyOn(model.session, 'run');
    const out = await model.predictMany(REVIEWS.map(item));
    expect(run).toHaveBeenCalledTimes(2);
    out.forEach((r, i) => expectClose(r.probabilities!.data as Float32Array, referenceClassifier(features(REVIEWS[i]!)).probabilities));
  });

  it('uses rows that already sit back to back in one buffer without copying them', async () => {
    const model = await loadOnnxModel(CLASSIFIER, { batching: { maxBatchSize: 8 } });
    const run = vi.spyOn(model.session, 'run');
    const block = new Float32Array(3 * FEATURES);
    const texts = REVIEWS.slice(0, 3);
    const rows = texts.map((text, i) => hashedBagOfWords(text, FEATURES, { out: block.subarray(i * FEATURES, (i + 1) * FEATURES) }));
    const out = await model.predictMany(rows.map((row) => ({ features: float32Tensor(row, [1, FEATURES]) })));
    const fed = (run.mock.calls[0]![0] as Feeds).features!;
    expect(fed.dims).toEqual([3, FEATURES]);
    expect((fed.data as Float32Array).buffer).toBe(block.buffer);
    out.forEach((r, i) => expectClose(r.logits!.data as Float32Array, referenceClassifier(rows[i]!).logits));

    // Out of order: copied into a batch buffer instead.
    await model.predictMany([rows[1]!, rows[0]!].map((row) => ({ features: float32Tensor(row, [1, FEATURES]) })));
    expect(((run.mock.calls[1]![0] as Feeds).features!.data as Float32Array).buffer).not.toBe(block.buffer);
  });

  it('has no cross-talk under 500 concurrent calls', async () => {
    const model = await loadOnnxModel(CLASSIFIER, { batching: { maxBatchSize: 32, maxDelayMs: 2 } });
    const run = vi.spyOn(model.session, 'run');
    // Each caller gets a distinct input: word i and a random review.
    const texts = Array.from({ length: 500 }, (_, i) => `${REVIEWS[i % REVIEWS.length]} token${i} w${i * 7919}`);
    const results = await Promise.all(
      texts.map(async (text) => {
        await sleep(Math.random() * 30);
        return model.predict(item(text));
      }),
    );
    results.forEach((r, i) => {
      const ref = referenceClassifier(features(texts[i]!));
      expectClose(r.logits!.data as Float32Array, ref.logits);
    });
    expect(run.mock.calls.length).toBeLessThan(500);
    expect(model.stats.items).toBe(500);
  });

  it('falls back to one run per item for a model with a fixed batch of 1', async () => {
    const model = await loadOnnxModel(CLASSIFIER_FIXED, { batching: { maxDelayMs: 20 } });
    const run = vi.spyOn(model.session, 'run');
    const results = await Promise.all(REVIEWS.map((text) => model.predict(item(text))));
    expect(run).toHaveBeenCalledTimes(REVIEWS.length);
    results.forEach((r, i) => expectClose(r.probabilities!.data as Float32Array, referenceClassifier(features(REVIEWS[i]!)).probabilities));
    const many = await model.predictMany(REVIEWS.slice(0, 3).map(item));
    expect(run).toHaveBeenCalledTimes(REVIEWS.length + 3);
    expect(many).toHaveLength(3);
  });

  it('runs each call alone with batching: false', async () => {
    const model = await loadOnnxModel(CLASSIFIER, { batching: false, shared: false });
    const run = vi.spyOn(model.session, 'run');
    await Promise.all(REVIEWS.map((text) => model.predict(item(text))));
    expect(run).toHaveBeenCalledTimes(REVIEWS.length);
    await model.release();
  });

  const sequences = [[1, 2, 3, 4, 5], [6, 7], [8, 9, 10], [11], [12, 13, 14, 15, 16, 17, 18]];
  const tokenItem = (ids: number[]): Feeds => {
    const { ids: t, mask } = padSequences([ids]);
    return { input_ids: t, attention_mask: mask };
  };

  it('pads sequences of different lengths into one run and trims token outputs back', async () => {
    const model = await loadOnnxModel(TOKEN_POOLER, { batching: { maxDelayMs: 20, pad: { input_ids: 0, attention_mask: 0 } } });
    const run = vi.spyOn(model.session, 'run');
    const results = await Promise.all(sequences.map((ids) => model.predict(tokenItem(ids))));
    expect(run).toHaveBeenCalledTimes(1);
    const fed = run.mock.calls[0]![0] as Feeds;
    expect(fed.input_ids?.dims).toEqual([5, 7]);
    results.forEach((r, i) => {
      const ids = sequences[i]!;
      const ref = referencePooler(ids);
      expect(r.token_logits?.dims).toEqual([1, ids.length, 3]);
      expectClose(r.token_logits!.data as Float32Array, ref.tokenLogits.flat());
      expect(r.pooled?.dims).toEqual([1, 8]);
      expectClose(r.pooled!.data as Float32Array, ref.pooled);
    });
  });

  it('without pad values merges only items of the same shape', async () => {
    const model = await loadOnnxModel(TOKEN_POOLER, { batching: { maxDelayMs: 20 } });
    const run = vi.spyOn(model.session, 'run');
    const inputs = [[1, 2], [3, 4], [5, 6, 7], [8, 9]];
    const results = await Promise.all(inputs.map((ids) => model.predict(tokenItem(ids))));
    // One run for the three of length 2, one for the one of length 3.
    expect(run).toHaveBeenCalledTimes(2);
    results.forEach((r, i) => expectClose(r.pooled!.data as Float32Array, referencePooler(inputs[i]!).pooled));
  });

  it('rejects a pad value for an input the model does not have', async () => {
    await expect(loadOnnxModel(TOKEN_POOLER, { batching: { pad: { ids: 0 } } })).rejects.toThrow(/batching.pad names "ids", which is not an input/);
  });
});

describe('sharing', () => {
  it('loads each model file once per process: same path, URL or relative path → same session', async () => {
    const a = await loadOnnxModel(CLASSIFIER);
    const [b, c] = await Promise.all([loadOnnxModel(pathToFileURL(CLASSIFIER)), loadOnnxModel(path.relative(process.cwd(), CLASSIFIER))]);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(b.session).toBe(a.session);
    expect(await sharedModels()).toHaveLength(1);

    // Other session options or bytes get their own session.
    const threads = await loadOnnxModel(CLASSIFIER, { intraOpNumThreads: 1 });
    expect(threads.session).not.toBe(a.session);
    const bytes = await loadOnnxModel(new Uint8Array(fs.readFileSync(CLASSIFIER)));
    expect(bytes.session).not.toBe(a.session);
    await bytes.release();
  });

  it('releases the session when the last holder releases it, and reloads afterwards', async () => {
    const a = await loadOnnxModel(CLASSIFIER);
    const b = await loadOnnxModel(CLASSIFIER);
    await a.release();
    expect(b.isReleased).toBe(false);
    expect((await b.predict(item('good'))).probabilities?.dims).toEqual([1, 3]);
    await b.release();
    expect(b.isReleased).toBe(true);
    await expect(b.predict(item('good'))).rejects.toThrow(/was released/);
    const fresh = await loadOnnxModel(CLASSIFIER);
    expect(fresh).not.toBe(a);
    expect(fresh.isReleased).toBe(false);
  });

  it('releaseAllModels frees every shared session and lets queued predictions finish', async () => {
    const model = await loadOnnxModel(CLASSIFIER, { batching: { maxDelayMs: 50 } });
    const pending = model.predict(item('great'));
    await releaseAllModels();
    expect((await pending).probabilities?.dims).toEqual([1, 3]);
    expect(model.isReleased).toBe(true);
    expect(await sharedModels()).toHaveLength(0);
  });

  it('does not cache a failed load', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-onnx-')), 'late.onnx');
    try {
      await expect(loadOnnxModel(file)).rejects.toThrow(/not found/);
      fs.copyFileSync(CLASSIFIER, file);
      expect((await loadOnnxModel(file)).inputNames).toEqual(['features']);
    } finally {
      await releaseAllModels();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
