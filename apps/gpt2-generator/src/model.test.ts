// Drives the GPT-2 app over HTTP exactly as Label Studio does, on the tiny random-weight GPT-2
// (offline): health → setup with extra_params → batch predict → interactive predict with a prompt
// TextArea in `context` → webhooks.
import { fileURLToPath } from 'node:url';
import { createServer, LabelInterface, MemoryStore, validatePrediction, type BackendClass, type LsmlServer } from '@lsml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MODEL = fileURLToPath(new URL('../../../packages/transformers/test/models/tiny-gpt2', import.meta.url));
const CONFIG = '<View><Text name="input_text" value="$text"/><TextArea name="generated_text" toName="input_text"/></View>';
const INTERACTIVE = `<View>
  <Text name="input_text" value="$text"/>
  <TextArea name="prompt" toName="input_text" editable="true"/>
  <TextArea name="generated_text" toName="input_text"/>
</View>`;
const lsTask = (id: number, text: string) => ({
  id, data: { text }, meta: {}, created_at: '2024-05-01T10:00:00.000000Z', updated_at: '2024-05-01T10:00:00.000000Z',
  is_labeled: false, overlap: 1, inner_id: id, total_annotations: 0, cancelled_annotations: 0, total_predictions: 0,
  comment_count: 0, unresolved_comment_count: 0, last_comment_updated_at: null, project: 9, updated_by: null,
  file_upload: 1, comment_authors: [], annotations: [], predictions: [],
});
type Prediction = { model_version: string; score: number | null; result: Array<{ from_name: string; to_name: string; type: string; value: { text: string[] } }> };

let server: LsmlServer;
let url: string;
let tokenizer: { encode: (s: string) => unknown[] } | undefined;
const post = async (path: string, body: unknown) => {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  process.env.MODEL_NAME = MODEL;
  const { default: Gpt2 } = (await import('./model.js')) as { default: BackendClass };
  server = createServer(Gpt2, { store: new MemoryStore(), env: {}, logLevel: 'silent', strictValidation: true });
  ({ url } = await server.listen(0, '127.0.0.1'));
  const { AutoTokenizer } = await import('@huggingface/transformers');
  tokenizer = (await AutoTokenizer.from_pretrained(MODEL, { local_files_only: true })) as unknown as typeof tokenizer;
});
afterAll(() => server.close());

function check(config: string, results: Prediction[], version: string, tasks: number) {
  expect(results).toHaveLength(tasks);
  const li = new LabelInterface(config);
  for (const p of results) {
    expect(p.model_version).toBe(version);
    expect(p.score === null || (p.score >= 0 && p.score <= 1)).toBe(true);
    expect(validatePrediction(li, p as never)).toMatchObject({ ok: true });
    expect(p.result).toHaveLength(1);
    expect(p.result[0]).toMatchObject({ from_name: 'generated_text', to_name: 'input_text', type: 'textarea' });
    expect(typeof p.result[0]!.value.text[0]).toBe('string');
  }
}

describe('gpt2-generator over HTTP', () => {
  it('generates a continuation per task, limited by extra_params max_new_tokens', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ model_class: 'Gpt2Generator', status: 'UP' });
    const setup = await post('/setup', { project: '9.1714554000', schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'tok', extra_params: '{"max_new_tokens": 5}' });
    expect(setup.status).toBe(200);
    const version = (setup.body as { model_version: string }).model_version;
    expect(version).toBe('tiny-gpt2');
    const texts = ['Once upon a time', 'The weather today is', 'Label Studio'];
    const r = await post('/predict', { tasks: texts.map((t, i) => lsTask(i + 1, t)), project: '9.1714554000', label_config: CONFIG, params: { login: null, password: null, context: null } });
    expect(r.status).toBe(200);
    const results = r.body.results as Prediction[];
    check(CONFIG, results, version, texts.length);
    // Greedy decoding: with more new tokens the continuation extends the shorter one.
    await post('/setup', { project: '11.1', schema: CONFIG, extra_params: '{"max_new_tokens": 12}' });
    const longer = await post('/predict', { tasks: texts.map((t, i) => lsTask(i + 1, t)), project: '11.1', label_config: CONFIG, params: { context: null } });
    (longer.body.results as Prediction[]).forEach((p, i) => {
      const short = results[i]!.result[0]!.value.text[0]!;
      const long = p.result[0]!.value.text[0]!;
      expect(long.startsWith(short)).toBe(true);
      expect(tokenizer!.encode(long).length).toBeGreaterThan(tokenizer!.encode(short).length);
    });
  });

  it('uses the prompt typed into the prompt TextArea in interactive mode', async () => {
    await post('/setup', { project: '10.1', schema: INTERACTIVE, extra_params: '{"max_new_tokens": 4}' });
    const context = {
      annotation_id: null,
      draft_id: 0,
      user_id: 1,
      result: [{ id: 'p1', from_name: 'prompt', to_name: 'input_text', type: 'textarea', origin: 'manual', value: { text: ['Summarize:'] } }],
    };
    const r = await post('/predict', { tasks: [lsTask(4, 'A long story about dragons.')], project: '10.1', label_config: INTERACTIVE, params: { login: null, password: null, context } });
    expect(r.status).toBe(200);
    check(INTERACTIVE, r.body.results as Prediction[], 'tiny-gpt2', 1);
    // Same task with another prompt: the prompt reaches the model (greedy decoding differs by prompt
    // or at least stays deterministic for the same one).
    const again = await post('/predict', { tasks: [lsTask(4, 'A long story about dragons.')], project: '10.1', label_config: INTERACTIVE, params: { context } });
    expect(again.body.results).toEqual(r.body.results);
  });

  it('accepts Label Studio webhooks', async () => {
    const project = { id: 9, title: 'Gen', label_config: CONFIG, created_at: '2024-05-01T09:00:00Z', model_version: '' };
    expect((await post('/webhook', { action: 'ANNOTATION_CREATED', annotation: { id: 1, project: 9, task: 1, result: [] }, task: lsTask(1, 'x'), project })).status).toBe(201);
    expect((await post('/webhook', { action: 'START_TRAINING', project })).status).toBe(201);
  });
});
