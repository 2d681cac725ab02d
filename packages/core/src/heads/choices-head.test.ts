import { describe, expect, it } from 'vitest';
import { LabelConfigMismatchError } from '../errors.js';
import { LabelInterface } from '../label-config/label-interface.js';
import { validatePrediction } from '../label-config/validate-prediction.js';
import { KeywordClassifier } from '../contract/test-runtimes.test-helper.js';
import { choicesHead } from './choices-head.js';
import { bindWith, predictWith } from './heads.test-helper.js';

const config = (attrs = '', labels = '<Choice value="Positive"/><Choice value="Negative"/>') =>
  `<View><Text name="review" value="$review"/><Choices name="sentiment" toName="review" ${attrs}>${labels}</Choices></View>`;
const runtime = () => new KeywordClassifier({ good: 'POSITIVE', great: 'POSITIVE', bad: 'NEGATIVE', awful: 'NEGATIVE' });
const task = (id: number, review: string) => ({ id, data: { review } });
type Choice = { score: number; result: Array<{ from_name: string; to_name: string; type: string; value: { choices?: string[]; taxonomy?: string[][] }; score: number }> };

describe('choicesHead', () => {
  it('predicts the best label the config has (case-insensitive match), with its score, valid for the config', async () => {
    const [p] = (await predictWith(choicesHead(), runtime(), config(), [task(1, 'good great film')])) as Choice[];
    expect(p!.result).toEqual([{ from_name: 'sentiment', to_name: 'review', type: 'choices', value: { choices: ['Positive'] }, score: p!.score }]);
    expect(p!.score).toBeGreaterThan(0.9);
    expect(validatePrediction(new LabelInterface(config()), p!).ok).toBe(true);
  });

  it('maps classes through predicted_values', async () => {
    const cfg = config('', '<Choice value="Good" predicted_values="POSITIVE"/><Choice value="Bad" predicted_values="NEGATIVE"/>');
    const [p] = (await predictWith(choicesHead(), runtime(), cfg, [task(1, 'awful')])) as Choice[];
    expect(p!.result[0]!.value.choices).toEqual(['Bad']);
  });

  it('multiple choice: every label over the threshold (extra_params threshold wins over the option)', async () => {
    const multi = new KeywordClassifier({ good: 'Positive', bad: 'Negative', fine: 'Neutral' });
    const cfg = config('choice="multiple"', '<Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>');
    const [p] = (await predictWith(choicesHead({ threshold: 0.3 }), multi, cfg, [task(1, 'good bad')])) as Choice[];
    expect(p!.result[0]!.value.choices!.sort()).toEqual(['Negative', 'Positive']);
    const [q] = (await predictWith(choicesHead({ threshold: 0.3 }), multi, cfg, [task(1, 'good bad')], { extraParams: { threshold: '0.9' } })) as Choice[];
    expect(q).toEqual({ score: 0, result: [] });
  });

  it('single choice with top_k gives k predictions, best first', async () => {
    const [p] = (await predictWith(choicesHead(), runtime(), config(), [task(1, 'bad')], { extraParams: { top_k: 2 } })) as Choice[][];
    expect(p!.map((x) => x.result[0]!.value.choices)).toEqual([['Negative'], ['Positive']]);
  });

  it('zero-shot runtimes get the config labels as candidates', async () => {
    const zs = new KeywordClassifier({}, true);
    const cfg = config('', '<Choice value="Sports"/><Choice value="Politics"/>');
    const bound = await bindWith(choicesHead(), zs, cfg);
    const input = await bound.toInput(task(1, 'politics today'), { context: null, extraParams: {}, logger: undefined as never });
    expect(input).toEqual({ kind: 'text', text: 'politics today', candidateLabels: ['Sports', 'Politics'] });
    const [p] = (await predictWith(choicesHead(), zs, cfg, [task(1, 'politics today')])) as Choice[];
    expect(p!.result[0]!.value.choices).toEqual(['Politics']);
  });

  it('fills a Taxonomy with one-element paths', async () => {
    const cfg = '<View><Text name="t" value="$review"/><Taxonomy name="tax" toName="t"><Choice value="Positive"/><Choice value="Negative"/></Taxonomy></View>';
    const [p] = (await predictWith(choicesHead(), runtime(), cfg, [task(1, 'great')])) as Choice[];
    expect(p!.result[0]).toMatchObject({ type: 'taxonomy', value: { taxonomy: [['Positive']] } });
    expect(validatePrediction(new LabelInterface(cfg), p!).ok).toBe(true);
  });

  it('fills a nested Taxonomy with the path from the root', async () => {
    const cfg =
      '<View><Text name="t" value="$review"/><Taxonomy name="tax" toName="t"><Choice value="Opinion"><Choice value="Positive"/><Choice value="Negative"/></Choice></Taxonomy></View>';
    const [p] = (await predictWith(choicesHead(), runtime(), cfg, [task(1, 'awful')])) as Choice[];
    expect(p!.result[0]!.value).toEqual({ taxonomy: [['Opinion', 'Negative']] });
    expect(validatePrediction(new LabelInterface(cfg), p!).ok).toBe(true);
  });

  it('reads the labels an annotation chose (for training)', async () => {
    const bound = await bindWith(choicesHead(), runtime(), config());
    expect(bound.labelsOf!({ result: [{ from_name: 'sentiment', to_name: 'review', type: 'choices', value: { choices: ['Negative'] } }] as never })).toEqual(['Negative']);
    expect(bound.labelsOf!({ result: [] })).toBeNull();
    expect(bound.labels).toEqual(['Positive', 'Negative']);
  });

  it.each([
    [undefined, 'This model needs a <Choices> or <Taxonomy> over a <Text> or <HyperText>; the project sent no label config'],
    [
      '<View><Image name="i" value="$image"/><Choices name="c" toName="i"><Choice value="Positive"/></Choices></View>',
      'This model needs a <Choices> or <Taxonomy> over a <Text> or <HyperText>; the label config has <Choices name="c" toName="i"> only',
    ],
    [config('', '<Choice value="Yes"/><Choice value="No"/>'), 'No label of <Choices name="sentiment"> matches a class of this model (model classes: POSITIVE, NEGATIVE; config labels: Yes, No)'],
  ])('a misfit config is a LabelConfigMismatchError naming the control (%#)', async (cfg, message) => {
    const err = await bindWith(choicesHead(), runtime(), cfg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelConfigMismatchError);
    expect((err as Error).message).toContain(message);
    expect((err as LabelConfigMismatchError).status).toBe(422);
  });
});
