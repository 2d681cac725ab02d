import { describe, expect, it } from 'vitest';
import { LabelInterface } from '../label-config/label-interface.js';
import { validatePrediction } from '../label-config/validate-prediction.js';
import { ShoutGenerator } from '../contract/test-runtimes.test-helper.js';
import { buildPrompt, contextPrompt, fillTemplate, textareaHead } from './textarea-head.js';
import { bindWith, predictWith, silent } from './heads.test-helper.js';

const CONFIG = '<View><Text name="text" value="$text"/><TextArea name="answer" toName="text"/></View>';
const PROMPTED = '<View><Text name="text" value="$text"/><TextArea name="prompt" toName="text"/><TextArea name="answer" toName="text"/></View>';
type Gen = { score: number; result: Array<{ from_name: string; value: { text: string[] } }> };

describe('textareaHead', () => {
  it('generates from the text, trims, and writes the TextArea', async () => {
    const [p] = (await predictWith(textareaHead(), new ShoutGenerator(), CONFIG, [{ id: 1, data: { text: 'hello' } }])) as Gen[];
    expect(p).toEqual({ score: 0.5, result: [{ from_name: 'answer', to_name: 'text', type: 'textarea', value: { text: ['HELLO'] } }] });
    expect(validatePrediction(new LabelInterface(CONFIG), p!).ok).toBe(true);
  });

  it('fills a prompt template from extra_params with the text and other task fields', async () => {
    const [p] = (await predictWith(textareaHead({ promptTemplate: 'ignored {text}' }), new ShoutGenerator(), CONFIG, [{ id: 1, data: { text: 'hi', lang: 'fr' } }], {
      extraParams: { prompt_template: 'Translate to {lang}: {text} {unknown}' },
    })) as Gen[];
    expect(p!.result[0]!.value.text).toEqual(['TRANSLATE TO FR: HI {UNKNOWN}']);
  });

  it('uses the prompt TextArea of the interactive context, and answers in the other TextArea', async () => {
    const context = { result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Summarise'] } }] };
    const [p] = (await predictWith(textareaHead(), new ShoutGenerator(), PROMPTED, [{ id: 1, data: { text: 'long story' } }], { context })) as Gen[];
    expect(p!.result[0]).toMatchObject({ from_name: 'answer', value: { text: ['SUMMARISE\n\nLONG STORY'] } });
  });

  it('several generations are several predictions', async () => {
    const [p] = (await predictWith(textareaHead(), new ShoutGenerator(), CONFIG, [{ id: 1, data: { text: 'a' } }], { extraParams: { copies: 2 } })) as Gen[][];
    expect(p!.map((x) => x.result[0]!.value.text[0])).toEqual(['A', 'A #2']);
  });

  it('a config without a TextArea over a Text is a 422 mismatch', async () => {
    await expect(bindWith(textareaHead(), new ShoutGenerator(), '<View><Text name="t" value="$t"/></View>')).rejects.toMatchObject({
      status: 422,
      message: 'This model needs a <TextArea> over a <Text> or <HyperText>; the label config has none',
    });
    await expect(bindWith(textareaHead({ promptControl: 'nope' }), new ShoutGenerator(), CONFIG)).rejects.toThrow('promptControl "nope" is not a <TextArea>');
  });

  it('template helpers', () => {
    expect(fillTemplate('{a} {b}', { a: '1' })).toBe('1 {b}');
    expect(contextPrompt({ result: [{ type: 'textarea', from_name: 'p', value: { text: ['x', 'y'] } }] } as never, 'p')).toBe('x\ny');
    expect(buildPrompt({ data: { text: 't' } }, 't', undefined, 'Q: {text}?')).toBe('Q: t?');
    void silent;
  });
});
