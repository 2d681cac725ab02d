// The GPT-2 app driven over HTTP the way Label Studio drives it — /health, /setup with extra params
// (a JSON string, as the UI sends it), batch and interactive /predict with full task objects, the
// annotation and training webhooks — on the tiny random-weight GPT-2 (offline, gibberish text). Runs
// twice: in this process on @huggingface/transformers, and as `npm start` runs it, on
// @xenova/transformers, with the model folder given relative to MODEL_DIR.
//
// Decoding is greedy, so each continuation must equal what the bare model generates from the same
// prompt with the same max_new_tokens: that pins the prompt and the settings that reached the model.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getPipeline, type LibraryName, type LoadedPipeline } from '@lsml/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotationWebhook, lsAnnotation, lsProject, lsTask, projectUid, startTrainingWebhook } from '@lsml/core/testing';
import { assertValidPredictions, postJson, startAppInProcess, startAppWithCli, type AppPrediction, type RunningApp } from '@lsml/testing';
import Gpt2Generator, { modelName } from './model.js';
import { vi } from 'vitest';

// model.js builds its runtime when it is imported: MODEL_NAME must name the tiny model before that
// (vi.hoisted runs above the imports). The CLI mode passes its own MODEL_NAME to the child process.
vi.hoisted(() => {
  process.env.MODEL_NAME = new URL('../../../packages/transformers/test/models/tiny-gpt2', import.meta.url).pathname;
});

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const TINY_GPT2 = path.resolve(APP_DIR, '../../packages/transformers/test/models/tiny-gpt2');

const CONFIG = '<View><Text name="input_text" value="$text"/><TextArea name="generated_text" toName="input_text"/></View>';
const INTERACTIVE = `<View>
  <Text name="input_text" value="$text"/>
  <TextArea name="prompt" toName="input_text" editable="true"/>
  <TextArea name="generated_text" toName="input_text"/>
</View>`;
const TEXTS = ['Once upon a time', 'The weather in Zürich today is', 'Label Studio 🙂 makes labelling'];

/** The generated text of a prediction's only region. */
const generated = (p: { result: unknown[] }) => {
  expect(p.result).toHaveLength(1);
  expect(p.result[0]).toMatchObject({ from_name: 'generated_text', to_name: 'input_text', type: 'textarea' });
  const text = (p.result[0] as { value: { text: string[] } }).value.text;
  expect(text).toHaveLength(1);
  return text[0] as string;
};

describe('MODEL_NAME', () => {
  it('is a hub id, an absolute folder, or a folder relative to MODEL_DIR', () => {
    const saved = process.env.MODEL_DIR;
    try {
      process.env.MODEL_DIR = path.dirname(TINY_GPT2);
      expect(modelName('Xenova/gpt2')).toBe('Xenova/gpt2');
      expect(modelName(TINY_GPT2)).toBe(TINY_GPT2);
      expect(modelName(path.basename(TINY_GPT2))).toBe(TINY_GPT2);
    } finally {
      if (saved === undefined) delete process.env.MODEL_DIR;
      else process.env.MODEL_DIR = saved;
    }
  });
});

interface Mode {
  library: LibraryName;
  start(): Promise<RunningApp>;
}

const MODES: Mode[] = [
  {
    library: '@huggingface/transformers',
    start: () => {
      process.env.LOG_LEVEL = 'silent'; // the preload's logger
      process.env.MODEL_NAME = TINY_GPT2; // an absolute folder
      return startAppInProcess(Gpt2Generator);
    },
  },
  {
    library: '@xenova/transformers',
    start: () =>
      startAppWithCli(APP_DIR, { LSML_TRANSFORMERS_LIBRARY: '@xenova/transformers', MODEL_NAME: 'models/tiny-gpt2' }, { 'models/tiny-gpt2': TINY_GPT2 }),
  },
];

describe.each(MODES)('gpt2-generator over HTTP on $library', ({ library, start }) => {
  let app: RunningApp;
  let model: LoadedPipeline;
  const setup = (project: number, schema: string, extraParams: string | null) =>
    postJson<{ model_version: string }>(app.url, '/setup', { project: projectUid(project), schema, hostname: 'http://localhost:8080', access_token: 'ls-token', extra_params: extraParams });
  const predict = (project: number, schema: string, tasks: unknown[], context: unknown = null) =>
    postJson(app.url, '/predict', { tasks, project: projectUid(project), label_config: schema, params: { login: null, password: null, context } });

  /** Greedy continuation of `prompt` by the bare model (no lsml): its text and how many tokens it has. */
  async function reference(prompt: string, maxNewTokens: number): Promise<{ text: string; tokens: number }> {
    const tokenizer = model.pipe.tokenizer!;
    const inputs = tokenizer(prompt) as unknown as { input_ids: { dims: number[] }; attention_mask: unknown };
    const gen = model.pipe.model as unknown as { generate(...args: unknown[]): Promise<unknown> };
    const options = { max_new_tokens: maxNewTokens, do_sample: false };
    const out = (model.library.major >= 3
      ? await gen.generate({ ...inputs, ...options })
      : await gen.generate(inputs.input_ids, options, null, { inputs_attention_mask: inputs.attention_mask })) as { data: ArrayLike<bigint> } | ArrayLike<bigint>[];
    const ids = Array.from(Array.isArray(out) ? (out[0] as ArrayLike<bigint>) : out.data, Number).slice(inputs.input_ids.dims[1]);
    return { text: tokenizer.decode(ids, { skip_special_tokens: true }).trim(), tokens: ids.length };
  }

  beforeAll(async () => {
    [app, model] = await Promise.all([start(), getPipeline({ task: 'text-generation', model: TINY_GPT2, library })]);
  });
  afterAll(() => app?.close());

  it('is healthy, and /setup reports the model folder as the version', async () => {
    expect(await (await fetch(`${app.url}/health`)).json()).toEqual({ model_class: 'Gpt2Generator', status: 'UP' });
    expect(await setup(1, CONFIG, '{"max_new_tokens": 5}')).toEqual({ status: 200, body: { model_version: 'tiny-gpt2' } });
    if (library === '@xenova/transformers') expect(app.output()).toContain(`"library":"@xenova/transformers@`);
  });

  it('batch: one continuation per task, at most max_new_tokens long (extra params)', async () => {
    const res = await predict(1, CONFIG, TEXTS.map((text, i) => lsTask(i + 1, { text }, 1)));
    const results = assertValidPredictions(CONFIG, res, TEXTS.length, 'tiny-gpt2');
    for (const [i, p] of results.entries()) {
      const expected = await reference(TEXTS[i] as string, 5);
      expect(expected.tokens).toBe(5);
      expect(generated(p)).toBe(expected.text);
    }
  });

  it('new extra params from Label Studio apply: max_new_tokens, prompt_template, sampling', async () => {
    await setup(1, CONFIG, '{"max_new_tokens": 12, "prompt_template": "Summarize: {text}\\nSummary:"}');
    const templated = assertValidPredictions(CONFIG, await predict(1, CONFIG, [lsTask(1, { text: TEXTS[0] }, 1)]), 1, 'tiny-gpt2');
    const expected = await reference(`Summarize: ${TEXTS[0]}\nSummary:`, 12);
    expect(expected.tokens).toBe(12);
    expect(generated(templated[0]!)).toBe(expected.text);

    // Sampling restricted to the single most likely token (top_k 1) is greedy decoding again.
    await setup(1, CONFIG, '{"max_new_tokens": "7", "do_sample": true, "top_k": 1, "temperature": 0.7}');
    const topK = assertValidPredictions(CONFIG, await predict(1, CONFIG, [lsTask(2, { text: TEXTS[1] }, 1)]), 1, 'tiny-gpt2');
    expect(generated(topK[0]!)).toBe((await reference(TEXTS[1] as string, 7)).text);

    // Free sampling: any text, still one valid prediction per task.
    await setup(1, CONFIG, '{"max_new_tokens": 4, "do_sample": true, "temperature": 1.5, "top_k": 0}');
    const sampled = assertValidPredictions(CONFIG, await predict(1, CONFIG, TEXTS.map((text, i) => lsTask(i + 1, { text }, 1))), 3, 'tiny-gpt2');
    for (const p of sampled) expect(typeof generated(p)).toBe('string');
  });

  it('a task with empty text gets an empty prediction; the others in its batch still get theirs', async () => {
    await setup(1, CONFIG, '{"max_new_tokens": 5}');
    const res = await predict(1, CONFIG, [lsTask(1, { text: TEXTS[0] }, 1), lsTask(2, { text: '' }, 1)]);
    const [first, empty] = assertValidPredictions(CONFIG, res, 2, 'tiny-gpt2');
    expect(generated(first!)).toBe((await reference(TEXTS[0] as string, 5)).text);
    expect(empty!.result).toEqual([]);
  });

  it('interactive: the prompt typed into the prompt TextArea comes before the text', async () => {
    expect((await setup(2, INTERACTIVE, '{"max_new_tokens": 6}')).status).toBe(200);
    const text = 'A long story about dragons.';
    const context = {
      annotation_id: null,
      draft_id: 0,
      user_id: 1,
      result: [{ id: 'p1', from_name: 'prompt', to_name: 'input_text', type: 'textarea', origin: 'manual', value: { text: ['Translate to French:'] } }],
    };
    const res = await predict(2, INTERACTIVE, [lsTask(4, { text }, 2, { interactive: true })], context);
    const [answer] = assertValidPredictions(INTERACTIVE, res, 1, 'tiny-gpt2');
    expect(generated(answer!)).toBe((await reference(`Translate to French:\n\n${text}`, 6)).text);

    // The same project's batch pre-annotation (no context) continues the text alone.
    const batch = assertValidPredictions(INTERACTIVE, await predict(2, INTERACTIVE, [lsTask(4, { text }, 2)]), 1, 'tiny-gpt2');
    expect(generated(batch[0]!)).toBe((await reference(text, 6)).text);
  });

  it('acknowledges the annotation and training webhooks; the version stays', async () => {
    const task = lsTask(1, { text: TEXTS[0] }, 1);
    const result = [{ id: 'r1', from_name: 'generated_text', to_name: 'input_text', type: 'textarea', origin: 'prediction-changed', value: { text: ['there lived a king.'] } }];
    const created = await postJson(app.url, '/webhook', annotationWebhook(lsProject(1, CONFIG), task, { ...lsAnnotation(101, 1, 1, result), parent_prediction: 1 }));
    expect(created).toMatchObject({ status: 201, body: { status: 'ok' } });
    const training = await postJson(app.url, '/webhook', startTrainingWebhook(lsProject(1, CONFIG)));
    expect(training).toMatchObject({ status: 201, body: { status: 'ok' } });
    expect((await setup(1, CONFIG, null)).body).toEqual({ model_version: 'tiny-gpt2' });
  });
});
