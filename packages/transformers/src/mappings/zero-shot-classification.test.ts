import { LabelInterface, validatePrediction, type PredictionValue } from '@lsml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseAllPipelines } from '../runtime.js';
import { LIBRARIES, loadTiny, mappingContext } from '../test-models.test-helper.js';
import { getPipeline } from '../runtime.js';
import { testModel } from '../test-models.test-helper.js';
import { zeroShotMapping, zeroShotScores } from './zero-shot-classification.js';

afterAll(() => releaseAllPipelines());

const CONFIG = `<View><Text name="text" value="$text"/><Choices name="topic" toName="text">
  <Choice value="sports"/><Choice value="politics"/><Choice value="news"/></Choices></View>`;
const TEXTS = ['this film is about sports', 'the news is not good', 'a great example'];

describe.each(LIBRARIES)('zero-shot-classification → Choices (%s)', (library) => {
  it('scores the config labels like the library pipeline does, in one batched call', async () => {
    const loaded = await loadTiny(library, 'zero-shot-classification');
    const candidates = ['sports', 'politics', 'news'];
    const items = TEXTS.map((text) => ({ text, candidates, hypothesisTemplate: 'This example is {}.', multiLabel: false }));
    const ours = await zeroShotScores(loaded, items);
    for (const [i, text] of TEXTS.entries()) {
      const reference = (await loaded.pipe(text, candidates, { hypothesis_template: 'This example is {}.' })) as { labels: string[]; scores: number[] };
      expect(ours[i]?.map((s) => s.label)).toEqual(reference.labels);
      ours[i]?.forEach((s, k) => expect(s.score).toBeCloseTo(reference.scores[k] as number, 4));
      expect(ours[i]?.reduce((a, s) => a + s.score, 0)).toBeCloseTo(1, 5);
    }
    const multi = await zeroShotScores(loaded, items.map((i) => ({ ...i, multiLabel: true })));
    for (const [i, text] of TEXTS.entries()) {
      const reference = (await loaded.pipe(text, candidates, { multi_label: true })) as { labels: string[]; scores: number[] };
      ours[i] && expect(multi[i]?.map((s) => s.label)).toEqual(reference.labels);
      multi[i]?.forEach((s, k) => expect(s.score).toBeCloseTo(reference.scores[k] as number, 4));
    }
  });

  it('predicts valid choices from the config labels; predicted_values and extra_params apply', async () => {
    const ctx = mappingContext(await loadTiny(library, 'zero-shot-classification'));
    const li = new LabelInterface(CONFIG);
    const mapping = zeroShotMapping();
    const target = mapping.prepare(li, ctx);
    expect(target.candidates).toEqual(['sports', 'politics', 'news']);
    const tasks = TEXTS.map((text) => ({ data: { text } }));
    const out = (await mapping.predict(target, { tasks, context: null, extraParams: {} }, ctx)) as PredictionValue[];
    for (const p of out) {
      expect(validatePrediction(li, p).ok).toBe(true);
      expect(['sports', 'politics', 'news']).toContain((p.result[0] as { value: { choices: string[] } }).value.choices[0]);
    }
    // The model hears "athletics" but the region says "Sport".
    const aliased = new LabelInterface(
      '<View><Text name="text" value="$text"/><Choices name="topic" toName="text"><Choice value="Sport" predicted_values="athletics"/><Choice value="Politics"/></Choices></View>',
    );
    const m2 = zeroShotMapping({ candidateLabels: ['athletics', 'politics'] });
    const t2 = m2.prepare(aliased, ctx);
    const [p2] = (await m2.predict(t2, { tasks: [{ data: { text: 'sports' } }], context: null, extraParams: { top_k: 2 } }, ctx)) as PredictionValue[][];
    expect(p2?.map((p) => (p.result[0] as { value: { choices: string[] } }).value.choices[0]).sort()).toEqual(['Politics', 'Sport']);
    for (const p of p2 ?? []) expect(validatePrediction(aliased, p).ok).toBe(true);
    // candidate_labels from extra_params, multi-label with a threshold → one multi-choice prediction.
    const multiConfig = new LabelInterface(CONFIG.replace('<Choices name="topic"', '<Choices name="topic" choice="multiple"'));
    const [p3] = (await mapping.predict(mapping.prepare(multiConfig, ctx), {
      tasks: [{ data: { text: 'sports news' } }],
      context: null,
      extraParams: { candidate_labels: 'sports, news', multi_label: true, threshold: 0 },
    }, ctx)) as PredictionValue[];
    expect((p3?.result[0] as { value: { choices: string[] } }).value.choices.sort()).toEqual(['news', 'sports']);
  });

  it('refuses a model that is not NLI, and a config without candidate labels', async () => {
    const sst2 = await getPipeline({ task: 'zero-shot-classification', model: testModel('tiny-bert-sst2'), library });
    expect(() => zeroShotMapping().prepare(new LabelInterface(CONFIG), mappingContext(sst2))).toThrow(/needs an NLI model .*"entailment".*NEGATIVE, POSITIVE/);
    const ctx = mappingContext(await loadTiny(library, 'zero-shot-classification'));
    expect(() => zeroShotMapping().prepare(new LabelInterface('<View><Text name="t" value="$x"/><Choices name="c" toName="t"/></View>'), ctx)).toThrow(/has none/);
    expect(() => zeroShotMapping({ candidateLabels: ['x', 'y'] }).prepare(new LabelInterface(CONFIG), ctx)).toThrow(/None of the zero-shot candidate labels \(x, y\)/);
  });
});
