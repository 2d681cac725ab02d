// transformersRuntime() on the tiny local models, on both libraries: each task's normalised output
// checked against the bare transformers.js model, per-request params, sharing, batching, abort and
// the errors.
import type { ImageInput, TextInput } from '@lsml/core';
import { LsmlError } from '@lsml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { TransformersError } from './errors.js';
import { loadedPipelineCount, releaseAllPipelines } from './pipelines.js';
import { transformersRuntime } from './runtime.js';
import { classifyTexts } from './tasks/classification.js';
import { LIBRARIES, OFFSET_TEXTS, testModel } from './test-models.test-helper.js';

afterAll(() => releaseAllPipelines());

const text = (t: string, extra: Partial<TextInput> = {}): TextInput => ({ kind: 'text', text: t, ...extra });

/** A synthetic RGB image (a gradient), as an image head would hand it over. */
function image(width: number, height: number, seed = 0): ImageInput {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([(x * 7 + seed * 80) % 256, (y * 5) % 256, 128], (y * width + x) * 3);
  }
  return { kind: 'image', pixels, width, height, channels: 3, originalWidth: width, originalHeight: height, transform: { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 } };
}

const isLowSurrogate = (s: string, i: number) => i > 0 && i < s.length && /[\uDC00-\uDFFF]/.test(s.charAt(i)) && /[\uD800-\uDBFF]/.test(s.charAt(i - 1));

describe('settings', () => {
  it('declares kinds by task, shared batching defaults, and a model id from the folder or hub id', () => {
    const tc = transformersRuntime({ task: 'text-classification', model: testModel('tiny-bert-sst2') });
    expect(tc).toMatchObject({ provider: 'transformers', modelId: 'tiny-bert-sst2', input: 'text', output: 'classes' });
    expect(tc.capabilities).toEqual({ batching: { maxBatchSize: 32, maxDelayMs: 0 }, shared: true, threads: 'native', trainable: false });
    expect(transformersRuntime({ task: 'token-classification' })).toMatchObject({ modelId: 'Xenova/bert-base-NER', output: 'spans' });
    expect(transformersRuntime({ task: 'text-generation', modelId: 'v7' })).toMatchObject({ modelId: 'v7', output: 'text' });
    expect(transformersRuntime({ task: 'object-detection' })).toMatchObject({ input: 'image', output: 'boxes' });
    expect(transformersRuntime({ task: 'zero-shot-classification', batching: false }).capabilities.batching).toBe(false);
    expect(() => transformersRuntime({ task: 'summarization' as 'text-generation' })).toThrow(/Unsupported task "summarization"/);
    expect(() => transformersRuntime({ task: 'text-generation', batching: { maxBatchSize: 0 } })).toThrow(TransformersError);
  });
});

describe.each(LIBRARIES)('transformersRuntime on %s', (library) => {
  it('text-classification → every class scored, as the bare model scores it', async () => {
    const runtime = transformersRuntime({ task: 'text-classification', model: testModel('tiny-bert-sst2'), library });
    expect(await runtime.load()).toEqual({ labels: ['NEGATIVE', 'POSITIVE'] });
    const texts = ['this movie was great', 'bad film, not good', ''];
    const out = await runtime.run(texts.map((t) => text(t)));
    const direct = await classifyTexts(runtime.pipeline!, texts);
    expect(out).toHaveLength(3);
    out.forEach((o, i) => {
      expect(o.kind).toBe('classes');
      expect(o.multiLabel).toBe(false);
      expect(o.classes.map((c) => c.label)).toEqual(['NEGATIVE', 'POSITIVE']);
      expect(o.classes.reduce((a, c) => a + c.score, 0)).toBeCloseTo(1, 5);
      o.classes.forEach((c, k) => expect(c.score).toBeCloseTo(direct[i]!.classes[k]!.score, 6));
    });
    // The same scores as transformers.js' own pipeline gives each label (an independent path).
    for (const [i, t] of texts.slice(0, 2).entries()) {
      const own = (await runtime.pipeline!.pipe(t, library === '@xenova/transformers' ? { topk: 2 } : { top_k: 2 })) as Array<{ label: string; score: number }>;
      for (const { label, score } of own) expect(out[i]!.classes.find((c) => c.label === label)?.score).toBeCloseTo(score, 5);
    }
    // The same text alone or in a batch scores the same (padding does not leak).
    const [alone] = await runtime.run([text(texts[0]!)]);
    expect(alone!.classes[1]!.score).toBeCloseTo(out[0]!.classes[1]!.score, 5);
    await runtime.dispose();
  });

  it('token-classification → spans at exact UTF-16 offsets of whole words, labelled with entity types', async () => {
    const runtime = transformersRuntime({ task: 'token-classification', model: testModel('tiny-bert-ner'), library });
    expect((await runtime.load()).labels).toEqual(['MISC', 'PER', 'ORG', 'LOC']);
    const long = 'John Smith visited Berlin and Paris with Marie Curie 😀. '.repeat(20);
    const texts = [...OFFSET_TEXTS, long];
    const out = await runtime.run(texts.map((t) => text(t)));
    let total = 0;
    out.forEach((o, i) => {
      const t = texts[i]!;
      expect(o.kind).toBe('spans');
      let previousEnd = 0;
      for (const s of o.spans) {
        total++;
        expect(['MISC', 'PER', 'ORG', 'LOC']).toContain(s.label);
        expect(0 <= s.start && s.start < s.end && s.end <= t.length).toBe(true);
        expect(isLowSurrogate(t, s.start) || isLowSurrogate(t, s.end)).toBe(false);
        expect(t.slice(s.start, s.end).trim()).toBe(t.slice(s.start, s.end));
        expect(s.start).toBeGreaterThanOrEqual(previousEnd);
        expect(s.score).toBeGreaterThan(0);
        previousEnd = s.end;
      }
    });
    expect(total).toBeGreaterThan(5);
    // The long text runs as several windows; spans reach its end.
    expect(Math.max(...out[texts.length - 1]!.spans.map((s) => s.end))).toBeGreaterThan(long.length * 0.9);
    // [UNK] words and emoji: "Zoë" is [UNK], 😀 too; offsets are UTF-16 units.
    const [simple] = await runtime.run([text('Zoë 😀 Paris')], { params: { aggregation_strategy: 'simple' } });
    for (const s of simple!.spans) expect([[0, 3], [4, 6], [7, 12]]).toContainEqual([s.start, s.end]);

    // params.threshold drops low-scoring entities.
    const scores = out.flatMap((o) => o.spans.map((s) => s.score)).sort((a, b) => a - b);
    const threshold = scores[Math.floor(scores.length / 2)]!;
    const strict = await runtime.run(texts.map((t) => text(t)), { params: { threshold } });
    strict.forEach((o, i) => expect(o.spans).toEqual(out[i]!.spans.filter((s) => s.score >= threshold)));
    await runtime.dispose();
  });

  it('zero-shot-classification → the candidate labels of the input (or of params) scored', async () => {
    const runtime = transformersRuntime({ task: 'zero-shot-classification', model: testModel('tiny-bert-nli'), library });
    expect(await runtime.load()).toEqual({ candidateLabels: true });
    const [one, two] = await runtime.run([
      text('the match ended 2-1', { candidateLabels: ['sports', 'politics', 'cooking'] }),
      text('the vote was close', { candidateLabels: ['politics'] }),
    ]);
    expect(one!.classes.map((c) => c.label)).toEqual(['sports', 'politics', 'cooking']);
    expect(one!.classes.reduce((a, c) => a + c.score, 0)).toBeCloseTo(1, 5);
    expect(one!.multiLabel).toBe(false);
    // A single label is scored on its own (entailment vs contradiction), as in Python's pipeline.
    expect(two).toMatchObject({ multiLabel: true, classes: [{ label: 'politics' }] });
    const [multi] = await runtime.run([text('the match ended 2-1', { candidateLabels: ['sports', 'politics'] })], {
      params: { multi_label: 'true', candidate_labels: 'news, weather', hypothesis_template: 'It is about {}.' },
    });
    expect(multi!.multiLabel).toBe(true);
    expect(multi!.classes.map((c) => c.label)).toEqual(['news', 'weather']);
    const err = await runtime.run([text('no labels')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransformersError);
    expect(err).toMatchObject({ code: 'invalid_input', status: 400, message: expect.stringMatching(/candidate labels/) });
    await runtime.dispose();
  });

  it('text-generation → the greedy continuation of prompt ?? text, with params per request', async () => {
    const runtime = transformersRuntime({ task: 'text-generation', model: testModel('tiny-gpt2'), library, options: { generation: { max_new_tokens: 4 } } });
    expect(await runtime.load()).toEqual({});
    const pipe = runtime.pipeline!.pipe;
    const bare = async (prompt: string, max: number) =>
      String(((await pipe(prompt, { max_new_tokens: max, do_sample: false, return_full_text: false })) as Array<{ generated_text: string }>)[0]!.generated_text).trim();
    const [a, b, empty] = await runtime.run([text('Once upon a time'), text('ignored', { prompt: 'The weather is' }), text('')]);
    expect(a).toEqual({ kind: 'text', texts: [{ text: await bare('Once upon a time', 4) }] });
    expect(b!.texts[0]!.text).toBe(await bare('The weather is', 4));
    expect(empty).toEqual({ kind: 'text', texts: [] });
    const [longer] = await runtime.run([text('Once upon a time')], { params: { max_new_tokens: '9' } });
    expect(longer!.texts[0]!.text).toBe(await bare('Once upon a time', 9));
    const [two] = await runtime.run([text('Once')], { params: { num_return_sequences: 2 } });
    expect(two!.texts).toHaveLength(2);
    await runtime.dispose();
  });

  it('text-generation in a batch: every prompt gets its text, also where transformers.js answers [] for one', async () => {
    // transformers.js v3 returns [] for one prompt of some batches with tiny-gpt2 (22 prompts: index 15).
    const runtime = transformersRuntime({ task: 'text-generation', model: testModel('tiny-gpt2'), library, options: { generation: { max_new_tokens: 4 } }, batching: { maxBatchSize: 64 } });
    await runtime.load();
    const prompts = Array.from({ length: 22 }, (_, i) => `Alice Smith works at Acme Corporation in Paris. (${i % 10})`);
    const out = await runtime.run(prompts.map((p) => text(p)));
    expect(out).toHaveLength(22);
    for (const o of out) expect(o.texts).toHaveLength(1);
    // Same prompt, same greedy text, whether it came from the batch or was generated again alone.
    expect(out[15]!.texts[0]!.text).toBe(out[5]!.texts[0]!.text);
    await runtime.dispose();
  });

  it('image-classification → every class scored from the pixels', async () => {
    const runtime = transformersRuntime({ task: 'image-classification', model: testModel('tiny-vit'), library });
    const info = await runtime.load();
    expect(info.image).toEqual({ channels: 3 });
    const out = await runtime.run([image(64, 48), image(40, 90, 1)]);
    expect(out).toHaveLength(2);
    for (const o of out) {
      expect(o.kind).toBe('classes');
      expect(o.classes.map((c) => c.label)).toEqual(info.labels);
      expect(o.classes.reduce((a, c) => a + c.score, 0)).toBeCloseTo(1, 5);
    }
    expect(out[0]!.classes[0]!.score).not.toBeCloseTo(out[1]!.classes[0]!.score, 6);
    await runtime.dispose();
  });

  it('object-detection → boxes in the pixels of the input image, threshold per request', async () => {
    const runtime = transformersRuntime({ task: 'object-detection', model: testModel('tiny-detr'), library, options: { threshold: 0.1 } });
    const info = await runtime.load();
    const inputs = [image(64, 48), image(40, 90, 1)];
    const out = await runtime.run(inputs);
    let boxes = 0;
    out.forEach((o, i) => {
      expect(o.kind).toBe('boxes');
      for (const b of o.boxes) {
        boxes++;
        expect(info.labels).toContain(b.label);
        expect(b.score).toBeGreaterThanOrEqual(0.1);
        expect(b.x >= 0 && b.y >= 0 && b.width > 0 && b.height > 0).toBe(true);
        expect(b.x + b.width).toBeLessThanOrEqual(inputs[i]!.width + 1e-6);
        expect(b.y + b.height).toBeLessThanOrEqual(inputs[i]!.height + 1e-6);
      }
    });
    expect(boxes).toBeGreaterThan(0);
    // Pixel coordinates, not fractions: some box is wider than one pixel.
    expect(out.some((o) => o.boxes.some((b) => b.width > 1))).toBe(true);
    const strict = await runtime.run(inputs, { params: { threshold: 0.999999 } });
    expect(strict.reduce((a, o) => a + o.boxes.length, 0)).toBeLessThan(boxes);
    await runtime.dispose();
  });
});

describe('sharing, batching, abort and errors', () => {
  const model = testModel('tiny-bert-sst2');

  it('runtimes of the same model share one pipeline, disposed with the last of them', async () => {
    await releaseAllPipelines();
    const a = transformersRuntime({ task: 'text-classification', model });
    const b = transformersRuntime({ task: 'text-classification', model });
    await Promise.all([a.load(), b.load(), a.load()]);
    expect(a.pipeline).toBe(b.pipeline);
    expect(loadedPipelineCount()).toBe(1);
    await a.dispose();
    expect(loadedPipelineCount()).toBe(1);
    expect((await b.run([text('still works')]))[0]!.kind).toBe('classes');
    await b.dispose();
    expect(loadedPipelineCount()).toBe(0);
    // Loaded again after dispose; run() loads on first use.
    expect((await a.run([text('again')]))[0]!.classes).toHaveLength(2);
    await a.dispose();
  });

  it('merges concurrent runs (of several runtimes) into one model call; batching false does not', async () => {
    const a = transformersRuntime({ task: 'text-classification', model });
    const b = transformersRuntime({ task: 'text-classification', model });
    const texts = ['one', 'two', 'three', 'four', 'five', 'six'];
    const separate = await Promise.all(texts.map((t, i) => (i % 2 ? a : b).run([text(t)])));
    const stats = (a.pipeline!.shared('batcher:text-classification', () => null as never) as { stats: { batches: number; items: number } }).stats;
    expect(stats.items).toBeGreaterThanOrEqual(6);
    expect(stats.batches).toBeLessThan(stats.items);
    const unbatched = transformersRuntime({ task: 'text-classification', model, batching: false });
    const together = await unbatched.run(texts.map((t) => text(t)));
    separate.forEach(([o], i) => expect(o!.classes[0]!.score).toBeCloseTo(together[i]!.classes[0]!.score, 5));
    expect(stats.items).toBe(stats.items); // the unbatched runtime did not go through the batcher
    await Promise.all([a.dispose(), b.dispose(), unbatched.dispose()]);
  });

  it('rejects with the signal’s reason once aborted', async () => {
    const runtime = transformersRuntime({ task: 'text-generation', model: testModel('tiny-gpt2'), options: { generation: { max_new_tokens: 64, min_new_tokens: 64 } } });
    await runtime.load();
    const reason = new Error('client went away');
    await expect(runtime.run([text('Once')], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const running = runtime.run([text('Once upon a time')], { signal: controller.signal });
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await expect(runtime.load({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await runtime.dispose();
  });

  it('an input of the wrong kind or shape is invalid_input (400), naming the input', async () => {
    const tc = transformersRuntime({ task: 'text-classification', model });
    const bad = [{ kind: 'text', text: 42 }] as unknown as TextInput[];
    const err = (await tc.run(bad).catch((e: unknown) => e)) as TransformersError;
    expect(LsmlError.is(err)).toBe(true);
    expect(err).toMatchObject({ code: 'invalid_input', status: 400, message: expect.stringContaining('text-classification input 0') });
    const ic = transformersRuntime({ task: 'image-classification', model: testModel('tiny-vit') });
    await expect(ic.run([text('not an image')] as unknown as ImageInput[])).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining("kind: 'image'") });
    await expect(ic.run([{ ...image(4, 4), width: 5 }])).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('5×4×3') });
    await tc.dispose();
  });

  it('a missing model is model_load, naming the folder and the files; the next load retries', async () => {
    const runtime = transformersRuntime({ task: 'token-classification', model: '/nonexistent/lsml-model' });
    const err = (await runtime.load().catch((e: unknown) => e)) as TransformersError;
    expect(err).toBeInstanceOf(TransformersError);
    expect(err).toMatchObject({ code: 'model_load', status: 500 });
    expect(err.message).toContain('/nonexistent/lsml-model');
    expect(err.details?.missing).toContain('config.json');
    await expect(runtime.load()).rejects.toMatchObject({ code: 'model_load' });
    // run() before load() loads, and rejects with the same error (no unhandled rejection on the side).
    const unloaded = transformersRuntime({ task: 'token-classification', model: '/nonexistent/lsml-model-2' });
    await expect(unloaded.run([text('John')])).rejects.toMatchObject({ code: 'model_load' });
    // Settings the library cannot serve: same codes as the other adapters.
    const v2 = { task: 'text-classification', model, library: '@xenova/transformers' } as const;
    await expect(transformersRuntime({ ...v2, device: 'cuda' }).load()).rejects.toMatchObject({ code: 'provider_unavailable', message: expect.stringContaining('CPU only') });
    await expect(transformersRuntime({ ...v2, dtype: 'fp16' }).load()).rejects.toMatchObject({ code: 'invalid_settings', message: expect.stringContaining('fp16') });
    const zeroShotOnSst2 = transformersRuntime({ task: 'zero-shot-classification', model });
    await expect(zeroShotOnSst2.load()).rejects.toThrow(/needs an NLI model whose labels include "entailment"/);
  });
});
