// apps/llm-labeler driven over HTTP the way Label Studio drives it — /health, /setup with extra params
// (a JSON string, as the UI sends it), batch and interactive /predict with full task objects, the
// annotation webhook — against a LOCAL STAND-IN for an OpenAI-compatible server (node:http speaking
// the chat-completions wire format; no LLM runs on the test machines), and on the local provider with
// the repository's tiny random-weight GPT-2 (junk answers: none may reach Label Studio invalid).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabelInterface, validatePrediction } from '@lsml/core';
import { annotationWebhook, lsAnnotation, lsProject, lsTask, projectUid } from '@lsml/core/testing';
import { assertValidPredictions, postJson, startAppInProcess, startAppWithCli, type RunningApp } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn, type RecordedRequest, type StandIn } from '../../../packages/llm/src/stand-in-server.test-helper.js';
import { llmLabeler, settingsFrom } from './model.js';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const TINY_GPT2 = path.resolve(APP_DIR, '../../packages/transformers/test/models/tiny-gpt2');
const KEY = 'sk-proj-LIVE-KEY-do-not-log-7f3a9c2e1b';

// The label config of the app's README.
const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <TextArea name="prompt" toName="text" editable="true" rows="2"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
  <TextArea name="summary" toName="text" rows="2"/>
</View>`;
const TEXTS = ['The hotel was lovely and the staff kind.', 'Cold food, rude waiter 😠, never again.', 'It rained on Tuesday.'];

/** The stand-in "model": reads the text from the prompt and answers by keyword. */
function answer(req: RecordedRequest) {
  const prompt = req.body.messages?.find((m) => m.role === 'user')?.content ?? '';
  if (prompt.includes('lovely')) return { content: JSON.stringify({ sentiment: 'Positive', summary: 'A lovely stay.' }) };
  if (prompt.includes('rude')) return { content: JSON.stringify({ sentiment: 'Angry', summary: 'Bad service.' }) }; // not a choice of the config
  return { content: JSON.stringify({ sentiment: 'Neutral', summary: 'Weather.' }) };
}

const setupRequest = (project: number, extraParams: string | null) => ({ project: projectUid(project), schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'ls-token', extra_params: extraParams });
const predictRequest = (project: number, tasks: unknown[], context: unknown = null) => ({ tasks, project: projectUid(project), label_config: CONFIG, params: { login: null, password: null, context } });
const regions = (p: unknown) => ((p as { result?: Array<{ from_name: string; value: unknown }> }).result ?? []).map((r) => [r.from_name, r.value]);

let standIn: StandIn;
beforeAll(async () => {
  standIn = await startStandIn({ apiKey: KEY, fallback: answer });
});
afterAll(() => standIn.close());

describe('settingsFrom', () => {
  it('reads the provider, the endpoint and the limits from the environment', () => {
    expect(settingsFrom({ OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_API_KEY: 'ollama', LLM_MODEL: 'llama3.1', LLM_TIMEOUT_MS: '20000', LLM_STREAM: '1' })).toMatchObject({
      provider: 'openai',
      baseURL: 'http://localhost:11434/v1',
      apiKey: 'ollama',
      model: 'llama3.1',
      timeoutMs: 20000,
      stream: true,
    });
    expect(settingsFrom({ LLM_PROVIDER: 'local', LLM_MODEL: '/models/tiny' })).toEqual({ provider: 'local', model: '/models/tiny' });
  });
});

describe('llm-labeler over HTTP on the stand-in server (in process)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startAppInProcess(llmLabeler({ OPENAI_BASE_URL: standIn.baseURL, OPENAI_API_KEY: KEY, LLM_MODEL: 'stand-in-app' }));
  });
  afterAll(() => app?.close());

  it('/health names the app; /setup takes the extra params as a JSON string', async () => {
    const health = await fetch(`${app.url}/health`).then((r) => r.json());
    expect(health).toEqual({ model_class: 'llm-labeler', status: 'UP' });
    const setup = await postJson<{ model_version: string }>(app.url, '/setup', setupRequest(1, JSON.stringify({ prompt_template: 'Review: {text}\nGive the sentiment and a short summary.' })));
    expect(setup.status).toBe(200);
    expect(setup.body.model_version).toBe('openai:stand-in-app');
  });

  it('batch pre-annotation: Choices and TextArea filled, a choice not in the config dropped, every prediction valid', async () => {
    const tasks = TEXTS.map((text, i) => lsTask(101 + i, { text }, 1));
    const from = standIn.requests.length;
    const res = await postJson(app.url, '/predict', predictRequest(1, tasks));
    expect(res.status).toBe(200);
    const results = res.body.results as unknown[];
    // "Angry" is not a choice: that task keeps its summary only.
    expect(results.map(regions)).toEqual([
      [['sentiment', { choices: ['Positive'] }], ['summary', { text: ['A lovely stay.'] }]],
      [['summary', { text: ['Bad service.'] }]],
      [['sentiment', { choices: ['Neutral'] }], ['summary', { text: ['Weather.'] }]],
    ]);
    assertValidPredictions(CONFIG, res, 3, 'openai:stand-in-app');
    // The extra params' template reached the model, with the schema as response_format.
    const first = standIn.requests.slice(from).find((r) => r.body.messages?.some((m) => m.content.includes('lovely')));
    expect(first?.body.messages?.at(-1)?.content).toBe(`Review: ${TEXTS[0]}\nGive the sentiment and a short summary.`);
    expect(first?.body.response_format?.json_schema?.schema).toMatchObject({ properties: { sentiment: { enum: ['Positive', 'Negative', 'Neutral'] }, summary: { type: 'string' } }, required: ['sentiment', 'summary'] });
  });

  it('interactive: the prompt typed into the prompt TextArea drives the answer and is kept in the prediction', async () => {
    const from = standIn.requests.length;
    const context = { result: [{ id: 'p1', from_name: 'prompt', to_name: 'text', type: 'textarea', origin: 'manual', value: { text: ['Is this review positive? {text}'] } }] };
    const res = await postJson(app.url, '/predict', predictRequest(1, [lsTask(111, { text: TEXTS[0] }, 1)], context));
    expect(res.status).toBe(200);
    expect(standIn.requests[from]?.body.messages?.at(-1)?.content).toBe(`Is this review positive? ${TEXTS[0]}`);
    expect(regions((res.body.results as unknown[])[0])).toEqual([
      ['sentiment', { choices: ['Positive'] }],
      ['summary', { text: ['A lovely stay.'] }],
      ['prompt', { text: ['Is this review positive? {text}'] }],
    ]);
    assertValidPredictions(CONFIG, res, 1, 'openai:stand-in-app');
  });

  it('a submitted annotation\'s prompt is remembered for the project (new model version)', async () => {
    const task = lsTask(121, { text: TEXTS[2] as string }, 1);
    const annotation = lsAnnotation(9, 121, 1, [
      { from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Weather reports are Neutral.'] } },
      { from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Neutral'] } },
    ]);
    const hook = await postJson<{ result?: { prompt: string; model_version: string } }>(app.url, '/webhook', annotationWebhook(lsProject(1, CONFIG), task, annotation));
    expect(hook.status).toBe(201);
    expect(hook.body.result?.prompt).toBe('stored');
    const from = standIn.requests.length;
    const res = await postJson(app.url, '/predict', predictRequest(1, [task]));
    expect(standIn.requests[from]?.body.messages?.at(-1)?.content).toBe(`Weather reports are Neutral.\n\nText:\n${TEXTS[2]}`);
    assertValidPredictions(CONFIG, res, 1, hook.body.result?.model_version as string);
  });

  it('malformed JSON twice (the answer and its one repair) gives that task no prediction, the others theirs', async () => {
    standIn.queue.push({ content: '{"sentiment": "Positive", "summary": "unterminated' }, { content: 'Sorry, I cannot do JSON.' });
    const res = await postJson(app.url, '/predict', predictRequest(2, [lsTask(131, { text: 'x' }, 2)]));
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([[]]);
  });

  it('a config the LLM cannot fill answers 422 naming what it needs', async () => {
    const res = await postJson<{ detail?: string }>(app.url, '/setup', { ...setupRequest(3, null), schema: '<View><Image name="i" value="$image"/></View>' });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toMatch(/Choices.*TextArea.*over a <Text>/);
  });
});

describe('llm-labeler as `npm start` runs it (CLI), with LOG_LEVEL=debug', () => {
  it('a wrong API key: 424 "rejected the API key" to Label Studio; neither key appears in any log line or answer', async () => {
    const WRONG = 'sk-proj-WRONG-KEY-also-secret-91c0d2';
    const app = await startAppWithCli(APP_DIR, { OPENAI_BASE_URL: standIn.baseURL, OPENAI_API_KEY: WRONG, LLM_MODEL: 'stand-in-cli', LOG_LEVEL: 'debug' });
    try {
      const res = await postJson<{ detail?: string }>(app.url, '/predict', predictRequest(4, [lsTask(141, { text: TEXTS[0] }, 4)]));
      expect(res.status).toBe(424);
      expect(res.body.detail).toMatch(/rejected the API key \(HTTP 401\)/);
      const metrics = await fetch(`${app.url}/metrics`, { headers: { accept: 'text/plain' } }).then((r) => r.text());
      expect(metrics).toContain('lsml_llm_requests_total{provider="openai",model="stand-in-cli",outcome="provider_auth"} 1');
      const output = app.output();
      expect(output).toMatch(/rejected the API key/); // the failure is logged …
      for (const secret of [WRONG, KEY]) {
        expect(output).not.toContain(secret); // … without the key
        expect(JSON.stringify(res.body)).not.toContain(secret);
        expect(metrics).not.toContain(secret);
      }
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe('llm-labeler on the local provider (tiny GPT-2, junk answers)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startAppInProcess(llmLabeler({ LLM_PROVIDER: 'local', LLM_MODEL: TINY_GPT2, LLM_MAX_TOKENS: '16' }));
  });
  afterAll(() => app?.close());

  it('answers every task with a valid prediction or none, never an invalid one', async () => {
    const tasks = TEXTS.map((text, i) => lsTask(201 + i, { text }, 6));
    const res = await postJson(app.url, '/predict', predictRequest(6, tasks));
    expect(res.status).toBe(200);
    const results = res.body.results as unknown[];
    expect(results).toHaveLength(3);
    const li = new LabelInterface(CONFIG);
    for (const p of results) {
      if (Array.isArray(p)) expect(p).toEqual([]);
      else expect(validatePrediction(li, p).errors).toEqual([]);
    }
  }, 60_000);
});
