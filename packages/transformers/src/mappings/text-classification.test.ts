import { LabelInterface, validatePrediction, type PredictionValue } from '@lsml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseAllPipelines } from '../runtime.js';
import { LIBRARIES, loadTiny, mappingContext, memoryLogger } from '../test-models.test-helper.js';
import { LabelConfigMismatchError } from './shared.js';
import { classifyTexts, textClassificationMapping } from './text-classification.js';

afterAll(() => releaseAllPipelines());

const CONFIG = `<View><Text name="review" value="$review"/>
  <Choices name="sentiment" toName="review"><Choice value="Good" predicted_values="POSITIVE"/><Choice value="Bad" predicted_values="NEGATIVE"/></Choices></View>`;
const TEXTS = ['this movie was great', 'bad film, not good', 'it is a film about love', ''];
const tasks = TEXTS.map((review, i) => ({ id: i + 1, data: { review } }));
const input = (extraParams: Record<string, unknown> = {}) => ({ tasks, context: null, extraParams });

describe.each(LIBRARIES)('text-classification → Choices (%s)', (library) => {
  it('predicts one config label per task with its probability, valid for Label Studio', async () => {
    const ctx = mappingContext(await loadTiny(library, 'text-classification'));
    const li = new LabelInterface(CONFIG);
    const mapping = textClassificationMapping();
    const target = mapping.prepare(li, ctx);
    expect(target).toMatchObject({ fromName: 'sentiment', toName: 'review', field: 'review', labelMap: { POSITIVE: 'Good', NEGATIVE: 'Bad' } });
    const out = (await mapping.predict(target, input(), ctx)) as PredictionValue[];
    expect(out).toHaveLength(TEXTS.length);
    const direct = await classifyTexts(ctx.loaded, TEXTS);
    out.forEach((p, i) => {
      expect(validatePrediction(li, p)).toEqual({ ok: true, errors: [] });
      const region = p.result[0] as { value: { choices: string[] }; score: number };
      expect(['Good', 'Bad']).toContain(region.value.choices[0]);
      const best = direct[i]?.[0];
      expect(region.value.choices[0]).toBe(best?.label === 'POSITIVE' ? 'Good' : 'Bad');
      expect(p.score).toBeCloseTo(best?.score ?? NaN, 6);
    });
    // Probabilities over both labels sum to one.
    for (const scores of direct) expect(scores.reduce((a, s) => a + s.score, 0)).toBeCloseTo(1, 5);
  });

  it('top_k from extra_params gives k predictions per task, best first', async () => {
    const ctx = mappingContext(await loadTiny(library, 'text-classification'));
    const li = new LabelInterface(CONFIG);
    const mapping = textClassificationMapping();
    const out = await mapping.predict(mapping.prepare(li, ctx), input({ top_k: 2 }), ctx);
    for (const preds of out) {
      expect(Array.isArray(preds)).toBe(true);
      const list = preds as PredictionValue[];
      expect(list).toHaveLength(2);
      expect(new Set(list.map((p) => (p.result[0] as { value: { choices: string[] } }).value.choices[0]))).toEqual(new Set(['Good', 'Bad']));
      expect((list[0]?.score ?? 0) >= (list[1]?.score ?? 0)).toBe(true);
      for (const p of list) expect(validatePrediction(li, p).ok).toBe(true);
    }
  });

  it('maps labels case-insensitively and only predicts labels the config has', async () => {
    const ctx = mappingContext(await loadTiny(library, 'text-classification'));
    const li = new LabelInterface('<View><Text name="t" value="$review"/><Choices name="c" toName="t"><Choice value="Positive"/></Choices></View>');
    const mapping = textClassificationMapping();
    const target = mapping.prepare(li, ctx);
    expect(target.labelMap).toEqual({ positive: 'Positive' });
    expect((ctx.logger as ReturnType<typeof memoryLogger>).lines.some((l) => l.level === 'warn' && JSON.stringify(l.obj).includes('NEGATIVE'))).toBe(true);
    const out = (await mapping.predict(target, input(), ctx)) as PredictionValue[];
    for (const p of out) expect((p.result[0] as { value: { choices: string[] } }).value.choices).toEqual(['Positive']);
  });

  it('one multi-choice prediction of the labels over a threshold', async () => {
    const ctx = mappingContext(await loadTiny(library, 'text-classification'));
    const li = new LabelInterface(CONFIG.replace('<Choices name="sentiment"', '<Choices name="sentiment" choice="multiple"'));
    const mapping = textClassificationMapping({ threshold: 0 });
    const out = (await mapping.predict(mapping.prepare(li, ctx), input(), ctx)) as PredictionValue[];
    for (const p of out) {
      expect((p.result[0] as { value: { choices: string[] } }).value.choices.sort()).toEqual(['Bad', 'Good']);
      expect(validatePrediction(li, p).ok).toBe(true);
    }
  });

  it('says what is wrong with a config it cannot serve', async () => {
    const ctx = mappingContext(await loadTiny(library, 'text-classification'));
    const mapping = textClassificationMapping();
    const noChoices = new LabelInterface('<View><Text name="t" value="$text"/><Labels name="l" toName="t"><Label value="A"/></Labels></View>');
    expect(() => mapping.prepare(noChoices, ctx)).toThrow(LabelConfigMismatchError);
    expect(() => mapping.prepare(noChoices, ctx)).toThrow(/needs a <Choices> control whose toName is a <Text> or <HyperText>/);
    expect(() => mapping.prepare(undefined, ctx)).toThrow(/the project sent none/);
    const unknown = new LabelInterface('<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="Spam"/><Choice value="Ham"/></Choices></View>');
    expect(() => mapping.prepare(unknown, ctx)).toThrow(/None of the labels of model .*\(NEGATIVE, POSITIVE\) matches a label of <c> \(Spam, Ham\).*predicted_values/);
  });

  it('merges concurrent requests into one model call', async () => {
    const loaded = await loadTiny(library, 'text-classification');
    const ctx = mappingContext(loaded, { maxBatchSize: 16, maxDelayMs: 20 });
    const li = new LabelInterface(CONFIG);
    const mapping = textClassificationMapping();
    const target = mapping.prepare(li, ctx);
    const one = (i: number) => mapping.predict(target, { tasks: [tasks[i] as (typeof tasks)[number]], context: null, extraParams: {} }, ctx);
    const results = await Promise.all([0, 1, 2, 3].map(one));
    const unbatched = await mapping.predict(target, input(), mappingContext(loaded));
    expect(results.map((r) => (r[0] as PredictionValue).score)).toEqual(unbatched.map((p) => expect.closeTo((p as PredictionValue).score ?? NaN, 5)));
    const stats = loaded.shared('batcher:text-classification', () => null as never) as { stats: { batches: number; items: number } };
    expect(stats.stats.items).toBeGreaterThanOrEqual(4);
    expect(stats.stats.batches).toBeLessThan(stats.stats.items);
  });
});

describe('both libraries agree', () => {
  it('gives the same probabilities on @huggingface/transformers and @xenova/transformers', async () => {
    const [a, b] = await Promise.all(LIBRARIES.map(async (l) => classifyTexts(await loadTiny(l, 'text-classification'), TEXTS)));
    a?.forEach((scores, i) => scores.forEach((s, k) => expect(s.score).toBeCloseTo(b?.[i]?.[k]?.score ?? NaN, 4)));
  });
});
