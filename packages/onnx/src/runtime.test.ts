// onnxRuntime on the generated test models: real onnxruntime sessions, numbers checked against a
// plain-JS forward pass (classes) and hand-set tags (spans).
import { LsmlError, type TextInput } from '@lsml/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TAGGER_TAGS, taggerTokenize } from '../examples/tagger-tokenizer.js';
import { OnnxError } from './errors.js';
import { releaseAllModels } from './onnx-model.js';
import { onnxRuntime } from './runtime.js';
import { CLASSIFIER, expectClose, FEATURES, LABELS, referenceClassifier, REVIEWS, TAGGER } from './test-models.test-helper.js';
import { hashedBagOfWords } from './text-features.js';

const text = (t: string): TextInput => ({ kind: 'text', text: t });
const classifier = (extra: Partial<Parameters<typeof onnxRuntime>[0]> = {}) =>
  onnxRuntime({ model: CLASSIFIER, labels: LABELS, featurize: (t, out) => hashedBagOfWords(t, FEATURES, { out }), ...extra } as Parameters<typeof onnxRuntime>[0] & { output?: 'classes' });
const tagger = (extra: Record<string, unknown> = {}) => onnxRuntime({ output: 'spans', model: TAGGER, labels: TAGGER_TAGS, tokenize: taggerTokenize, ...extra });

afterEach(async () => {
  await releaseAllModels();
});

describe('onnxRuntime, classes', () => {
  it('declares the shared defaults and loads lazily', async () => {
    const rt = classifier();
    expect(rt.provider).toBe('onnx');
    expect(rt.input).toBe('text');
    expect(rt.output).toBe('classes');
    expect(rt.modelId).toBe('text-classifier.onnx');
    expect(rt.capabilities).toEqual({ batching: { maxBatchSize: 32, maxDelayMs: 0 }, shared: true, threads: 'native', trainable: false });
    expect(rt.model).toBeUndefined();
    expect(await rt.load()).toEqual({ labels: LABELS });
    expect(rt.model?.batching).toMatchObject({ maxBatchSize: 32, maxDelayMs: 0 });
    expect(classifier({ batching: false }).capabilities.batching).toBe(false);
  });

  it('answers the probabilities of the model, one output per input, in order', async () => {
    const rt = classifier();
    const outputs = await rt.run(REVIEWS.map(text));
    expect(outputs).toHaveLength(REVIEWS.length);
    outputs.forEach((o, i) => {
      expect(o.kind).toBe('classes');
      expect(o.classes.map((c) => c.label)).toEqual(LABELS);
      expectClose(
        o.classes.map((c) => c.score),
        referenceClassifier(hashedBagOfWords(REVIEWS[i] as string, FEATURES)).probabilities,
        1e-4,
      );
    });
    // A whole request is one session.run (the rows are one buffer).
    expect(rt.model?.stats).toMatchObject({ runs: 1, largestRun: REVIEWS.length });
  });

  it("reads logits with a softmax ('auto' and 'logits'), as they are with 'probabilities', and with a sigmoid for multiLabel", async () => {
    const review = REVIEWS[0] as string;
    const ref = referenceClassifier(hashedBagOfWords(review, FEATURES));
    const scores = async (extra: Record<string, unknown>) => (await classifier({ outputName: 'logits', ...extra }).run([text(review)]))[0]!.classes.map((c) => c.score);
    expectClose(await scores({}), ref.probabilities, 1e-4);
    expectClose(await scores({ scores: 'logits' }), ref.probabilities, 1e-4);
    expectClose(await scores({ scores: 'probabilities' }), ref.logits, 1e-4);
    expectClose(
      await scores({ multiLabel: true }),
      ref.logits.map((l) => 1 / (1 + Math.exp(-l))),
      1e-4,
    );
    expect((await classifier({ multiLabel: true }).run([text(review)]))[0]!.multiLabel).toBe(true);
  });

  it('featurises into rows of one batch buffer, and takes vectors and feeds too', async () => {
    const rows: Float32Array[] = [];
    const rt = onnxRuntime({
      model: CLASSIFIER,
      labels: LABELS,
      featurize: (t, out) => {
        rows.push(out as Float32Array);
        return hashedBagOfWords(t, FEATURES, { out });
      },
    });
    await rt.run(REVIEWS.slice(0, 3).map(text));
    expect(rows.every((r) => r.length === FEATURES && r.buffer === rows[0]!.buffer)).toBe(true);
    expect(rows.map((r) => r.byteOffset)).toEqual([0, FEATURES * 4, FEATURES * 8]);
    const plain = onnxRuntime({ model: CLASSIFIER, labels: LABELS, featurize: (t) => Array.from(hashedBagOfWords(t, FEATURES)) });
    const [a] = await plain.run([text('great')]);
    const [b] = await rt.run([text('great')]);
    expect(a).toEqual(b);
  });

  it('shares one model between runtimes of the same file and merges their concurrent runs', async () => {
    const a = classifier();
    const b = classifier();
    await Promise.all([a.load(), b.load()]);
    expect(a.model).toBe(b.model);
    const before = a.model!.stats.runs;
    // Ten single-text calls from two "projects" in the same turn: merged into one session.run.
    const results = await Promise.all(REVIEWS.slice(0, 10).map((r, i) => (i % 2 ? a : b).run([text(r)])));
    expect(results.flat()).toHaveLength(Math.min(10, REVIEWS.length));
    expect(a.model!.stats.runs - before).toBe(1);
    // dispose() drops one reference; the other runtime still runs.
    await a.dispose();
    expect(a.model).toBeUndefined();
    expect(b.model!.isReleased).toBe(false);
    await b.run([text('fine')]);
    const model = b.model!;
    await b.dispose();
    expect(model.isReleased).toBe(true);
    // …and loads again afterwards.
    expect(await b.load()).toEqual({ labels: LABELS });
  });

  it('rejects with the signal’s reason once aborted', async () => {
    const rt = classifier();
    const reason = new Error('client went away');
    await expect(rt.run([text('good')], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const ctl = new AbortController();
    const running = rt.run(REVIEWS.map(text), { signal: ctl.signal });
    ctl.abort(reason);
    await expect(running).rejects.toBe(reason);
    // The runtime still serves afterwards.
    expect(await rt.run([text('good')])).toHaveLength(1);
    expect(await rt.run([])).toEqual([]);
  });

  it('reports load, settings and input problems as OnnxError with the shared codes', async () => {
    const missing = await onnxRuntime({ model: '/nonexistent/x.onnx', labels: ['a'], featurize: () => [1] }).load().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OnnxError);
    expect(LsmlError.is(missing)).toBe(true);
    expect(missing).toMatchObject({ code: 'model_load', status: 500, source: '/nonexistent/x.onnx' });

    const wrongLabels = await classifier({ labels: ['neg', 'pos'] }).load().catch((e: unknown) => e);
    expect(wrongLabels).toMatchObject({ code: 'invalid_settings', message: expect.stringMatching(/output "probabilities" has 3 classes but 2 labels were given/) });
    const wrongOutput = await classifier({ outputName: 'nope' }).load().catch((e: unknown) => e);
    expect(wrongOutput).toMatchObject({ code: 'invalid_settings', message: expect.stringMatching(/Output "nope" not found .*outputs: probabilities, logits/) });

    const badInput = await classifier().run([{ kind: 'image' } as unknown as TextInput]).catch((e: unknown) => e);
    expect(badInput).toMatchObject({ code: 'invalid_input', status: 400, message: expect.stringMatching(/Input 0 must be \{ kind: 'text', text: string \}.*kind "image"/) });

    const badFeatures = await onnxRuntime({ model: CLASSIFIER, labels: LABELS, featurize: () => [1, 2, 3] }).run([text('x')]).catch((e: unknown) => e);
    expect(badFeatures).toMatchObject({ code: 'invalid_input', input: 'features', message: expect.stringMatching(/dim 1 must be 512/) });

    expect(() => onnxRuntime({ model: CLASSIFIER, labels: [], featurize: () => [] })).toThrow(/labels must be/);
    expect(() => onnxRuntime({ model: CLASSIFIER, labels: LABELS } as unknown as Parameters<typeof onnxRuntime>[0])).toThrow(/need featurize/);
    expect(() => onnxRuntime({ output: 'spans', model: TAGGER, labels: TAGGER_TAGS } as unknown as Parameters<typeof onnxRuntime>[0])).toThrow(/need tokenize/);
  });
});

describe('onnxRuntime, spans', () => {
  it('reports entity types and tags known words as spans with UTF-16 offsets', async () => {
    const rt = tagger();
    expect(rt.output).toBe('spans');
    expect(await rt.load()).toEqual({ labels: ['PER', 'LOC'] });
    const sentence = 'Alice Smith met Bob in New York.';
    const [out] = await rt.run([text(sentence)]);
    const p = Math.exp(4) / (Math.exp(4) + 4);
    expect(out).toEqual({
      kind: 'spans',
      spans: [
        { start: 0, end: 11, label: 'PER', score: expect.closeTo(p, 5) },
        { start: 16, end: 19, label: 'PER', score: expect.closeTo(p, 5) },
        { start: 23, end: 31, label: 'LOC', score: expect.closeTo(p, 5) },
      ],
    });
    expect(out!.spans.map((s) => sentence.slice(s.start, s.end))).toEqual(['Alice Smith', 'Bob', 'New York']);
    // Offsets count UTF-16 code units (the emoji is two).
    const [emoji] = await rt.run([text('😀 Bob')]);
    expect(emoji!.spans).toEqual([{ start: 3, end: 6, label: 'PER', score: expect.closeTo(p, 5) }]);
  });

  it('merges word pieces into words, and texts without entities or tokens give no spans', async () => {
    const rt = tagger();
    const outputs = await rt.run(['Bob lives in Boston', 'nothing here', '', '   '].map(text));
    expect(outputs.map((o) => o.spans.map((s) => [s.start, s.end, s.label]))).toEqual([
      [
        [0, 3, 'PER'],
        [13, 19, 'LOC'],
      ],
      [],
      [],
      [],
    ]);
  });

  it('batches texts of different lengths into one padded run with the same answers as one by one', async () => {
    const texts = ['Alice met Bob', 'Bob', 'Alice Smith lives in London and Bob in Paris', 'New York'];
    const rt = tagger();
    const alone = [];
    for (const t of texts) alone.push(...(await rt.run([text(t)])));
    const runs = rt.model!.stats.runs;
    const together = await rt.run(texts.map(text));
    expect(together).toEqual(alone);
    expect(rt.model!.stats.runs - runs).toBe(1);
    expect(rt.model!.stats.largestRun).toBe(texts.length);
  });

  it('cuts long texts to maxTokens and checks what the tokenizer returns', async () => {
    const [cut] = await tagger({ maxTokens: 3 }).run([text('Alice met Bob')]);
    // [CLS] alice met | bob [SEP] cut off.
    expect(cut!.spans.map((s) => s.label)).toEqual(['PER']);
    const bad = await tagger({ tokenize: () => ({ ids: [1, 2], offsets: [null] }) })
      .run([text('x')])
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'invalid_settings', message: expect.stringMatching(/one offset pair \(or null\) per id/) });
    const outside = await tagger({ tokenize: () => ({ ids: [4], offsets: [[0, 9]] }) })
      .run([text('x')])
      .catch((e: unknown) => e);
    expect(outside).toMatchObject({ code: 'invalid_settings', message: expect.stringMatching(/outside the text/) });
    const wrongTags = await tagger({ labels: ['O', 'B-PER'] }).load().catch((e: unknown) => e);
    expect(wrongTags).toMatchObject({ code: 'invalid_settings', message: expect.stringMatching(/has 5 tags but 2 labels were given/) });
    const classifierAsTagger = await tagger({ model: CLASSIFIER }).load().catch((e: unknown) => e);
    expect(classifierAsTagger).toMatchObject({ code: 'invalid_settings' });
  });
});

describe('onnxRuntime lifecycle', () => {
  it('dispose() during a load releases that load, and the next run loads again', async () => {
    const rt = classifier();
    const loading = rt.load();
    await rt.dispose();
    await loading;
    expect(rt.model).toBeUndefined();
    expect(await rt.run([text('good')])).toHaveLength(1);
    expect(rt.model?.isReleased).toBe(false);
  });
});
