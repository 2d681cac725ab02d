import { LabelInterface, validatePrediction, type PredictionValue } from '@lsml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseAllPipelines } from '../runtime.js';
import { LIBRARIES, loadTiny, mappingContext } from '../test-models.test-helper.js';
import { buildPrompt, contextPrompt, fillTemplate, generateTexts, generationParams, textGenerationMapping } from './text-generation.js';

afterAll(() => releaseAllPipelines());

const CONFIG = `<View><Text name="text" value="$text"/>
  <TextArea name="prompt" toName="text" editable="true"/><TextArea name="answer" toName="text"/></View>`;
const greedy = { max_new_tokens: 6, do_sample: false };

const textOf = (p: PredictionValue) => (p.result[0] as { value: { text: string[] } }).value.text[0] as string;

describe('prompts and settings', () => {
  it('fills templates from task data and takes the interactive prompt', () => {
    const task = { data: { text: 'The quick fox', title: 'Fox' } };
    expect(fillTemplate('Q: {text} ({title}) {missing}', { text: 'a', title: 'b' })).toBe('Q: a (b) {missing}');
    expect(buildPrompt(task, 'text', undefined, undefined)).toBe('The quick fox');
    expect(buildPrompt(task, 'text', 'Title: {title}\n{text}\nSummary:', undefined)).toBe('Title: Fox\nThe quick fox\nSummary:');
    expect(buildPrompt(task, 'text', undefined, 'Summarize:')).toBe('Summarize:\n\nThe quick fox');
    expect(buildPrompt(task, 'text', undefined, 'Tell me about {title}')).toBe('Tell me about Fox');
    const context = { result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['line 1', 'line 2'] } }] };
    expect(contextPrompt(context, 'prompt')).toBe('line 1\nline 2');
    expect(contextPrompt(context, 'other')).toBeUndefined();
    expect(contextPrompt(null, 'prompt')).toBeUndefined();
  });

  it('reads generation settings from extra_params, bounded', () => {
    expect(generationParams({ generation: { temperature: 0.7 } }, { max_new_tokens: '20', do_sample: 'true', top_k: 5, bogus: 1 })).toEqual({
      max_new_tokens: 20,
      temperature: 0.7,
      do_sample: true,
      top_k: 5,
    });
    expect(generationParams({ maxNewTokensLimit: 32 }, { max_new_tokens: 100000 }).max_new_tokens).toBe(32);
    expect(generationParams({}, {}).max_new_tokens).toBe(64);
  });
});

describe.each(LIBRARIES)('text-generation → TextArea (%s)', (library) => {
  it('answers into the response TextArea with exactly what the bare pipeline generates', async () => {
    const ctx = mappingContext(await loadTiny(library, 'text-generation'));
    const li = new LabelInterface(CONFIG);
    const mapping = textGenerationMapping({ generation: greedy });
    const target = mapping.prepare(li, ctx);
    expect(target).toMatchObject({ fromName: 'answer', toName: 'text', field: 'text', promptControl: 'prompt' });
    const texts = ['Hello world', 'The model predicts labels for every task'];
    const out = (await mapping.predict(target, { tasks: texts.map((text) => ({ data: { text } })), context: null, extraParams: {} }, ctx)) as PredictionValue[];
    for (const [i, p] of out.entries()) {
      expect(validatePrediction(li, p)).toEqual({ ok: true, errors: [] });
      expect(p.result[0]).toMatchObject({ from_name: 'answer', to_name: 'text', type: 'textarea' });
      const bare = (await ctx.loaded.pipe(texts[i], { ...greedy, return_full_text: false })) as Array<{ generated_text: string }>;
      expect(textOf(p)).toBe(bare[0]?.generated_text.trim());
      expect(textOf(p).length).toBeGreaterThan(0);
    }
  });

  it('uses the prompt typed in the labelling UI, and templates and settings from extra_params', async () => {
    const ctx = mappingContext(await loadTiny(library, 'text-generation'));
    const li = new LabelInterface(CONFIG);
    const mapping = textGenerationMapping({ generation: greedy });
    const target = mapping.prepare(li, ctx);
    const tasks = [{ data: { text: 'the city' } }];
    const context = { result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Once upon a time'] } }] };
    const [interactive] = (await mapping.predict(target, { tasks, context, extraParams: {} }, ctx)) as PredictionValue[];
    const expected = await generateTexts(ctx.loaded, [{ prompt: 'Once upon a time\n\nthe city', params: generationParams({ generation: greedy }, {}) }]);
    expect(textOf(interactive as PredictionValue)).toBe(expected[0]?.trim());

    const [templated] = (await mapping.predict(target, { tasks, context: null, extraParams: { prompt_template: 'Q: {text}\nA:', max_new_tokens: 2 } }, ctx)) as PredictionValue[];
    const short = await generateTexts(ctx.loaded, [{ prompt: 'Q: the city\nA:', params: { max_new_tokens: 2, do_sample: false } }]);
    expect(textOf(templated as PredictionValue)).toBe(short[0]?.trim());

    const [several] = (await mapping.predict(target, { tasks, context: null, extraParams: { num_return_sequences: 2, do_sample: true } }, ctx)) as PredictionValue[][];
    expect(several).toHaveLength(2);
    for (const p of several ?? []) expect(validatePrediction(li, p).ok).toBe(true);
  });

  it('an empty text gets an empty prediction and does not fail the tasks batched with it', async () => {
    const ctx = mappingContext(await loadTiny(library, 'text-generation'));
    const li = new LabelInterface(CONFIG);
    const mapping = textGenerationMapping({ generation: greedy });
    const out = (await mapping.predict(mapping.prepare(li, ctx), { tasks: [{ data: { text: '' } }, { data: { text: 'Hello world' } }], context: null, extraParams: {} }, ctx)) as PredictionValue[];
    expect(out[0]).toEqual({ score: 0, result: [] });
    const bare = (await ctx.loaded.pipe('Hello world', { ...greedy, return_full_text: false })) as Array<{ generated_text: string }>;
    expect(textOf(out[1] as PredictionValue)).toBe(bare[0]?.generated_text.trim());
  });

  it('a config without a TextArea is refused', async () => {
    const ctx = mappingContext(await loadTiny(library, 'text-generation'));
    expect(() => textGenerationMapping().prepare(new LabelInterface('<View><Text name="t" value="$x"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>'), ctx)).toThrow(
      /text-generation needs a <TextArea> control/,
    );
  });
});

describe('batched generation (@huggingface/transformers)', () => {
  it('left-padded batches generate what single prompts do', async () => {
    const loaded = await loadTiny('@huggingface/transformers', 'text-generation');
    const prompts = ['Hello', 'The quick brown fox jumps over', 'Label Studio is a data labeling tool and'];
    const params = { max_new_tokens: 8, do_sample: false };
    const batched = await generateTexts(loaded, prompts.map((prompt) => ({ prompt, params })));
    const single = [];
    for (const prompt of prompts) single.push(...(await generateTexts(loaded, [{ prompt, params }])));
    expect(batched).toEqual(single);
  });
});
