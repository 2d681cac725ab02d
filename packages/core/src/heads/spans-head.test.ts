import { describe, expect, it } from 'vitest';
import { LabelConfigMismatchError } from '../errors.js';
import { LabelInterface } from '../label-config/label-interface.js';
import { validatePrediction } from '../label-config/validate-prediction.js';
import { codePointSlice } from '../protocol/text-offsets.js';
import { DictionaryTagger } from '../contract/test-runtimes.test-helper.js';
import { spansHead } from './spans-head.js';
import { bindWith, predictWith } from './heads.test-helper.js';

const CONFIG = '<View><Text name="text" value="$text"/><Labels name="ner" toName="text"><Label value="Person" predicted_values="PER"/><Label value="LOC"/></Labels></View>';
type Spans = { score: number; result: Array<{ value: { start: number; end: number; text: string; labels: string[] }; score: number }> };

describe('spansHead', () => {
  it('turns UTF-16 spans into code-point regions with their text, mapped through predicted_values', async () => {
    const text = '𝒜 🙂 John moved to Paris; john too';
    const [p] = (await predictWith(spansHead(), new DictionaryTagger({ John: 'PER', Paris: 'LOC' }), CONFIG, [{ id: 1, data: { text } }])) as Spans[];
    expect(p!.result.map((r) => r.value)).toEqual([
      { start: 4, end: 8, text: 'John', labels: ['Person'] },
      { start: 18, end: 23, text: 'Paris', labels: ['LOC'] },
      { start: 25, end: 29, text: 'john', labels: ['Person'] },
    ]);
    for (const r of p!.result) expect(codePointSlice(text, r.value.start, r.value.end)).toBe(r.value.text);
    expect(p!.score).toBeCloseTo((0.9 + 0.9 + 0.4) / 3, 6);
    expect(validatePrediction(new LabelInterface(CONFIG), p!).ok).toBe(true);
  });

  it('drops spans under the threshold (extra_params threshold)', async () => {
    const [p] = (await predictWith(spansHead(), new DictionaryTagger({ John: 'PER' }), CONFIG, [{ id: 1, data: { text: 'John and john' } }], { extraParams: { threshold: 0.5 } })) as Spans[];
    expect(p!.result.map((r) => r.value.text)).toEqual(['John']);
  });

  it('skips entity types the config has no label for, and an empty result is an empty prediction', async () => {
    const [p] = (await predictWith(spansHead(), new DictionaryTagger({ John: 'PER', Acme: 'ORG' }), CONFIG, [{ id: 1, data: { text: 'Acme' } }])) as Spans[];
    expect(p).toEqual({ score: 0, result: [] });
  });

  it('a config without Labels over Text, or without a matching label, is a 422 mismatch', async () => {
    const noLabels = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A"/></Choices></View>';
    await expect(bindWith(spansHead(), new DictionaryTagger(), noLabels)).rejects.toThrow('This model needs a <Labels> over a <Text>; the label config has none');
    const otherLabels = '<View><Text name="text" value="$text"/><Labels name="ner" toName="text"><Label value="Drug"/></Labels></View>';
    const err = await bindWith(spansHead(), new DictionaryTagger(), otherLabels).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelConfigMismatchError);
    expect((err as Error).message).toBe(
      'No label of <Labels name="ner"> matches an entity type of this model (model types: PER, LOC, ORG; config labels: Drug). Name the config labels after the model\'s types, or add predicted_values="<type>" to them.',
    );
  });
});
