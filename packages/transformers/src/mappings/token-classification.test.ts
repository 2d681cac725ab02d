import { codePointSlice, LabelInterface, toUtf16Offset, validatePrediction, type PredictionValue } from '@lsml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseAllPipelines } from '../runtime.js';
import { LIBRARIES, loadTiny, mappingContext, OFFSET_TEXTS } from '../test-models.test-helper.js';
import { requireTokenizer } from './shared.js';
import { recognizeEntities, scoreTokens, splitIntoWindows, tokenClassificationMapping } from './token-classification.js';

afterAll(() => releaseAllPipelines());

const CONFIG = `<View><Labels name="label" toName="text">
  <Label value="Person" predicted_values="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/>
</Labels><Text name="text" value="$text"/></View>`;

interface SpanRegion {
  from_name: string;
  to_name: string;
  type: string;
  value: { start: number; end: number; text: string; labels: string[] };
  score: number;
}

const isLowSurrogate = (text: string, i: number) => i > 0 && i < text.length && /[\uDC00-\uDFFF]/.test(text[i] as string) && /[\uD800-\uDBFF]/.test(text[i - 1] as string);

function checkSpans(text: string, p: PredictionValue, li: LabelInterface): SpanRegion[] {
  expect(validatePrediction(li, p)).toEqual({ ok: true, errors: [] });
  const regions = p.result as SpanRegion[];
  let prevEnd = 0;
  for (const r of regions) {
    expect(r).toMatchObject({ from_name: 'label', to_name: 'text', type: 'labels' });
    const { labels } = r.value;
    expect(Number.isInteger(r.value.start) && Number.isInteger(r.value.end)).toBe(true);
    // LS offsets are code points (as Python counts); in UTF-16 the span never halves an emoji.
    expect(codePointSlice(text, r.value.start, r.value.end)).toBe(r.value.text);
    const start = toUtf16Offset(text, r.value.start);
    const end = toUtf16Offset(text, r.value.end);
    expect(0 <= start && start < end && end <= text.length).toBe(true);
    expect(isLowSurrogate(text, start) || isLowSurrogate(text, end)).toBe(false);
    expect(r.value.text).toBe(r.value.text.trim());
    expect(['Person', 'ORG', 'LOC', 'MISC']).toContain(labels[0]);
    expect(start).toBeGreaterThanOrEqual(prevEnd);
    prevEnd = end;
  }
  return regions;
}

describe.each(LIBRARIES)('token-classification → Labels spans (%s)', (library) => {
  it('spans index the task text exactly, for emoji, accents, CJK and odd spacing', async () => {
    const ctx = mappingContext(await loadTiny(library, 'token-classification'));
    const li = new LabelInterface(CONFIG);
    const mapping = tokenClassificationMapping();
    const target = mapping.prepare(li, ctx);
    expect(target.labelMap).toEqual({ PER: 'Person', ORG: 'ORG', LOC: 'LOC', MISC: 'MISC' });
    const tasks = OFFSET_TEXTS.map((text, i) => ({ id: i, data: { text } }));
    const out = (await mapping.predict(target, { tasks, context: null, extraParams: {} }, ctx)) as PredictionValue[];
    let total = 0;
    out.forEach((p, i) => (total += checkSpans(OFFSET_TEXTS[i] as string, p, li).length));
    expect(total).toBeGreaterThan(5);
  });

  it('aligns [UNK] words and emoji to their UTF-16 positions', async () => {
    const loaded = await loadTiny(library, 'token-classification');
    const text = 'Zoë 😀 Paris';
    const [tokens] = await scoreTokens(loaded, [text]);
    // "Zoë" is [UNK] (ë is not in the vocab), 😀 too; "Paris" is one token.
    expect(tokens?.map((t) => [t.span.start, t.span.end])).toEqual([
      [0, 3],
      [4, 6],
      [7, 12],
    ]);
  });

  it('"first" aggregation never cuts a word: sub-word pieces share their word’s label', async () => {
    const ctx = mappingContext(await loadTiny(library, 'token-classification'));
    const text = 'Parisian café Curie lives';
    const words = [...text.matchAll(/\S+/g)].map((m) => [m.index ?? 0, (m.index ?? 0) + m[0].length] as const);
    for (const strategy of ['first', 'average', 'max'] as const) {
      const [entities] = await recognizeEntities(ctx, [text], { aggregationStrategy: strategy });
      for (const e of entities ?? []) {
        expect(words.some(([s]) => s === e.start)).toBe(true);
        expect(words.some(([, end]) => end === e.end)).toBe(true);
      }
    }
  });

  it('splits texts longer than the model input into windows and keeps offsets', async () => {
    const ctx = mappingContext(await loadTiny(library, 'token-classification'));
    const li = new LabelInterface(CONFIG);
    const sentence = 'John Smith visited Berlin and Paris with Marie Curie 😀. ';
    const text = sentence.repeat(20);
    const windows = splitIntoWindows(requireTokenizer(ctx.loaded), text, 128);
    expect(windows.length).toBeGreaterThan(1);
    for (const w of windows) expect(text.slice(w.offset, w.offset + w.text.length)).toBe(w.text);
    const mapping = tokenClassificationMapping({ aggregationStrategy: 'simple' });
    const [p] = (await mapping.predict(mapping.prepare(li, ctx), { tasks: [{ data: { text } }], context: null, extraParams: {} }, ctx)) as PredictionValue[];
    const regions = checkSpans(text, p as PredictionValue, li);
    expect(Math.max(...regions.map((r) => r.value.end))).toBeGreaterThan(text.length * 0.9);
  });

  it('errors on a config without Labels, or whose labels the model does not know', async () => {
    const ctx = mappingContext(await loadTiny(library, 'token-classification'));
    const mapping = tokenClassificationMapping();
    expect(() => mapping.prepare(new LabelInterface('<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="A"/></Choices></View>'), ctx)).toThrow(
      /token-classification needs a <Labels> control whose toName is a <Text> object/,
    );
    expect(() => mapping.prepare(new LabelInterface('<View><Labels name="l" toName="t"><Label value="Food"/></Labels><Text name="t" value="$text"/></View>'), ctx)).toThrow(
      /None of the labels of model .*\(MISC, PER, ORG, LOC\) matches a label of <l> \(Food\)/,
    );
  });
});
