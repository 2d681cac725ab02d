// llmHead: the label config as the answer's JSON schema, and whatever the model says placed into
// regions that pass core's validatePrediction — or dropped with a warning naming the task. The backend
// tests run backend({ runtime: llmRuntime, head: llmHead }) over HTTP against the LOCAL STAND-IN
// chat-completions server (no LLM runs here).
import { Writable } from 'node:stream';
import { backend, createLogger, createServer, LabelConfigMismatchError, LabelInterface, MemoryStore, validatePrediction, type LsmlServer } from '@lsml/core';
import { lsTask, projectUid } from '@lsml/core/testing';
import { postJson } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmHead, llmPrompt, locate, placeAnswer } from './head.js';
import { llmRuntime } from './runtime.js';
import { answerPlan } from './schema.js';
import { startStandIn, type StandIn } from './stand-in-server.test-helper.js';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <TextArea name="prompt" toName="text" editable="true"/>
  <Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices>
  <Choices name="topics" toName="text" choice="multiple"><Choice value="Food"/><Choice value="Travel"/></Choices>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="LOC"/></Labels>
  <TextArea name="summary" toName="text"/>
  <Rating name="stars" toName="text" maxRating="5"/>
  <Number name="price" toName="text" min="0" max="100"/>
  <Taxonomy name="tax" toName="text"><Choice value="Europe"><Choice value="France"/></Choice><Choice value="Asia"/></Taxonomy>
</View>`;
const li = new LabelInterface(CONFIG);
const plan = answerPlan(li);
const TEXT = 'Anna 😀 flew to Paris; Anna loved Paris.';

describe('answerPlan', () => {
  it('one required property per control over the Text, the prompt TextArea left out', () => {
    const schema = plan.schema.schema as { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
    expect(plan.object.name).toBe('text');
    expect(plan.promptControl).toBe('prompt');
    expect(schema.required).toEqual(['sentiment', 'topics', 'ner', 'summary', 'stars', 'price', 'tax']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.sentiment).toMatchObject({ type: 'string', enum: ['Positive', 'Negative'] });
    expect(schema.properties.topics).toMatchObject({ type: 'array', items: { type: 'string', enum: ['Food', 'Travel'] } });
    expect(schema.properties.ner).toMatchObject({ type: 'array', items: { properties: { text: { type: 'string' }, label: { enum: ['PER', 'LOC'] } }, required: ['text', 'label'] } });
    expect(schema.properties.summary).toMatchObject({ type: 'string' });
    expect(schema.properties.stars).toMatchObject({ type: 'integer', minimum: 1, maximum: 5 });
    expect(schema.properties.price).toMatchObject({ type: 'number', minimum: 0, maximum: 100 });
    expect(schema.properties.tax).toMatchObject({ type: 'array', items: { type: 'array', items: { type: 'string' } } });
  });

  it('a config with nothing to fill is a 422 naming what is needed', () => {
    expect(() => answerPlan(new LabelInterface('<View><Image name="img" value="$image"/><RectangleLabels name="r" toName="img"><Label value="a"/></RectangleLabels></View>'))).toThrow(LabelConfigMismatchError);
    expect(() => answerPlan(undefined)).toThrow(/no label config/);
    expect(() => answerPlan(li, { promptControl: 'nope' })).toThrow(/promptControl "nope"/);
  });
});

describe('placeAnswer: what leaves always validates', () => {
  const place = (answer: unknown, match: 'all' | 'first' = 'all') => {
    const out = placeAnswer(li, plan.fields, 'text', TEXT, typeof answer === 'string' ? answer : JSON.stringify(answer), match);
    // The guarantee: every region passes Label Studio's validator, alone and together.
    expect(validatePrediction(li, { result: out.result }).errors).toEqual([]);
    return out;
  };

  it('a full valid answer becomes one region per control; spans at every occurrence, in code points', () => {
    const { result, dropped } = place({
      sentiment: 'Positive',
      topics: ['Travel'],
      ner: [{ text: 'Anna', label: 'PER' }, { text: 'Paris', label: 'LOC' }],
      summary: '  Anna liked Paris. ',
      stars: 5,
      price: 12.5,
      tax: [['Europe', 'France']],
    });
    expect(dropped).toEqual([]);
    const byName = (n: string) => result.filter((r) => (r as { from_name: string }).from_name === n).map((r) => (r as { value: unknown }).value);
    expect(byName('sentiment')).toEqual([{ choices: ['Positive'] }]);
    expect(byName('topics')).toEqual([{ choices: ['Travel'] }]);
    // "Anna 😀 flew to Paris; Anna loved Paris." — the emoji is one code point (two UTF-16 units).
    expect(byName('ner')).toEqual([
      { start: 0, end: 4, text: 'Anna', labels: ['PER'] },
      { start: 22, end: 26, text: 'Anna', labels: ['PER'] },
      { start: 15, end: 20, text: 'Paris', labels: ['LOC'] },
      { start: 33, end: 38, text: 'Paris', labels: ['LOC'] },
    ]);
    expect([...TEXT].slice(33, 38).join('')).toBe('Paris');
    expect(byName('summary')).toEqual([{ text: ['Anna liked Paris.'] }]);
    expect(byName('stars')).toEqual([{ rating: 5 }]);
    expect(byName('price')).toEqual([{ number: 12.5 }]);
    expect(byName('tax')).toEqual([{ taxonomy: [['Europe', 'France']] }]);
    expect(place({ ner: [{ text: 'Paris', label: 'LOC' }] }, 'first').result.map((r) => (r as { value: { start: number } }).value.start)).toEqual([15]);
  });

  it('a choice not in the config, a span not in the text, wrong types and out-of-range numbers are dropped, the rest kept', () => {
    const { result, dropped } = place({
      sentiment: 'Ecstatic',
      topics: ['Food', 'Sports', 3],
      ner: [{ text: 'Berlin', label: 'LOC' }, { text: 'Anna', label: 'ORG' }, 'Anna', { text: 'Paris', label: 'LOC' }],
      summary: 42,
      stars: 7,
      price: '12',
      tax: [['Europe', 'Narnia'], 'Asia'],
      extra: 'ignored',
    });
    expect(dropped.map((d) => [d.control, d.value])).toEqual([
      ['sentiment', 'Ecstatic'],
      ['topics', 'Sports'],
      ['topics', 3],
      ['ner', { text: 'Berlin', label: 'LOC' }],
      ['ner', { text: 'Anna', label: 'ORG' }],
      ['ner', 'Anna'],
      ['summary', 42],
      ['stars', 7],
      ['price', '12'],
      ['tax', ['Europe', 'Narnia']],
    ]);
    expect(dropped.find((d) => d.control === 'ner' && (d.value as { text?: string }).text === 'Berlin')?.reason).toMatch(/does not occur in the task text/);
    expect(result.map((r) => (r as { from_name: string }).from_name)).toEqual(['topics', 'ner', 'ner', 'tax']);
  });

  it('malformed JSON, a non-object, and an empty answer place nothing', () => {
    for (const answer of ['{"sentiment": "Positive"', '["Positive"]', '', 'I think it is Positive.']) {
      const { result, dropped } = place(answer);
      expect(result).toEqual([]);
      expect(dropped).toHaveLength(1);
    }
    // JSON in a code fence or after a sentence is still read.
    expect(place('Here you go:\n```json\n{"sentiment": "Negative"}\n```').result).toHaveLength(1);
  });

  it('locate: every or first occurrence, code-point offsets, nothing for an empty needle', () => {
    expect(locate('a😀a😀a', 'a', 'all')).toEqual([
      { start: 0, end: 1 },
      { start: 2, end: 3 },
      { start: 4, end: 5 },
    ]);
    expect(locate('aaa', 'aa', 'all')).toEqual([{ start: 0, end: 2 }]);
    expect(locate('abc', '', 'all')).toEqual([]);
  });
});

describe('llmPrompt', () => {
  const task = lsTask(3, { text: 'Nice hotel', lang: 'en' }, 1);
  const ctx = (text: string) => ({ result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: [text] } }] });
  it('interactive prompt > extra_params prompt_template > head option > default; placeholders from task data', () => {
    expect(llmPrompt(task, 'Nice hotel', { context: ctx('Classify this {lang} review: {text}'), extraParams: { prompt_template: 'X {text}' } }, { promptControl: 'prompt' })).toBe('Classify this en review: Nice hotel');
    expect(llmPrompt(task, 'Nice hotel', { context: ctx('Is it positive?'), extraParams: {} }, { promptControl: 'prompt' })).toBe('Is it positive?\n\nText:\nNice hotel');
    expect(llmPrompt(task, 'Nice hotel', { context: null, extraParams: { prompt_template: 'Review ({lang}): {text}' } }, { promptTemplate: 'unused {text}' })).toBe('Review (en): Nice hotel');
    expect(llmPrompt(task, 'Nice hotel', { context: null, extraParams: {} }, { promptTemplate: 'Opinion? {text}' })).toBe('Opinion? Nice hotel');
    expect(llmPrompt(task, 'Nice hotel', { context: null, extraParams: {} }, {})).toBe('Label the following text.\n\nText:\nNice hotel');
  });
});

describe('backend({ runtime: llmRuntime, head: llmHead }) over HTTP on the stand-in', () => {
  const KEY = 'sk-live-SECRET-abcdefghijklmnop-0123456789';
  const SIMPLE = `<View>
  <Text name="text" value="$text"/>
  <TextArea name="prompt" toName="text" editable="true"/>
  <Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="LOC"/></Labels>
  <TextArea name="summary" toName="text"/>
</View>`;
  let standIn: StandIn;
  let server: LsmlServer;
  let url: string;
  let logs = '';
  let apiKey = KEY;
  const predict = (tasks: unknown[], context: unknown = null) =>
    postJson<{ results: unknown[]; detail?: string }>(url, '/predict', { tasks, project: projectUid(1), label_config: SIMPLE, params: { login: null, password: null, context } });

  beforeAll(async () => {
    standIn = await startStandIn({ apiKey: KEY });
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs += chunk.toString();
        cb();
      },
    });
    // A getter: the 401 test swaps the key without a new runtime class.
    const Model = backend({ runtime: () => llmRuntime({ baseURL: standIn.baseURL, apiKey, model: 'stand-in', retryBaseMs: 10, maxRetries: 1 }), head: llmHead() });
    server = createServer(Model, { store: new MemoryStore(), env: {}, logger: createLogger({ level: 'debug', destination }), strictValidation: true });
    ({ url } = await server.listen(0, '127.0.0.1'));
    await server.ready;
  });
  afterAll(async () => {
    await server?.close();
    await standIn?.close();
  });

  it('each task gets what fits; a choice not in the config, a span not in the text, a wrong type are dropped with warnings naming the task; malformed JSON after the repair gives no prediction', async () => {
    const tasks = [lsTask(11, { text: 'Anna loved Paris.' }, 1), lsTask(12, { text: 'Bob hated Rome.' }, 1), lsTask(13, { text: 'Nothing here.' }, 1)];
    standIn.fallback = (req) => {
      const prompt = req.body.messages?.find((m) => m.role === 'user')?.content ?? '';
      if (prompt.includes('Anna')) return { content: JSON.stringify({ sentiment: 'Positive', ner: [{ text: 'Anna', label: 'PER' }, { text: 'Paris', label: 'LOC' }], summary: 'Anna liked it.' }) };
      if (prompt.includes('Bob')) return { content: JSON.stringify({ sentiment: 'Furious', ner: [{ text: 'Berlin', label: 'LOC' }, { text: 'Bob', label: 'PER' }], summary: ['not', 'a', 'string'] }) };
      return { content: '{"sentiment": "Positive", ' }; // malformed, also after the repair
    };
    const from = standIn.requests.length;
    logs = '';
    const res = await predict(tasks);
    expect(res.status).toBe(200);
    const [a, b, c] = res.body.results as Array<{ result: Array<{ from_name: string; value: Record<string, unknown> }> } | []>;
    const live = new LabelInterface(SIMPLE);
    for (const p of [a, b]) expect(validatePrediction(live, p).errors).toEqual([]);
    expect((a as { result: unknown[] }).result).toHaveLength(4);
    expect((b as { result: Array<{ from_name: string; value: unknown }> }).result.map((r) => [r.from_name, r.value])).toEqual([['ner', { start: 0, end: 3, text: 'Bob', labels: ['PER'] }]]);
    expect(c).toEqual([]); // no prediction: Label Studio asks again later
    // Task 12: 1 call + 1 repair (enum/type problems); task 13: 1 + 1 repair; task 11: 1.
    expect(standIn.requests.length - from).toBe(5);
    const warnings = logs.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; task?: number; control?: string; value?: unknown; msg: string }).filter((l) => l.level === 40);
    expect(warnings.filter((w) => w.task === 12).map((w) => [w.control, w.value])).toEqual([
      ['sentiment', 'Furious'],
      ['ner', { text: 'Berlin', label: 'LOC' }],
      ['summary', ['not', 'a', 'string']],
    ]);
    expect(warnings.filter((w) => w.task === 13).map((w) => w.msg)).toEqual([expect.stringMatching(/task 13: the answer is not JSON/), expect.stringMatching(/No prediction for task 13/)]);
  });

  it('the interactive prompt from the prompt TextArea reaches the model', async () => {
    standIn.fallback = () => ({ content: JSON.stringify({ sentiment: 'Negative', ner: [], summary: 'short' }) });
    const from = standIn.requests.length;
    const context = { result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Be harsh. Review: {text}'] } }] };
    const res = await predict([lsTask(21, { text: 'It was fine.' }, 1)], context);
    expect(res.status).toBe(200);
    expect(standIn.requests[from]?.body.messages?.at(-1)).toEqual({ role: 'user', content: 'Be harsh. Review: It was fine.' });
    // The prompt comes back as the prompt TextArea's region, so the annotation keeps it.
    const [p] = res.body.results as Array<{ result: Array<{ from_name: string; value: unknown }> }>;
    expect(p?.result.map((r) => [r.from_name, r.value])).toEqual([
      ['sentiment', { choices: ['Negative'] }],
      ['summary', { text: ['short'] }],
      ['prompt', { text: ['Be harsh. Review: {text}'] }],
    ]);
    expect(validatePrediction(new LabelInterface(SIMPLE), p).errors).toEqual([]);
  });

  it('a 401 from the provider answers Label Studio with 424 and a message about the API key; the key is never logged nor sent back', async () => {
    apiKey = 'sk-wrong-SECRET-zyxwvutsrqponm-9876543210';
    logs = '';
    try {
      // A fresh project: its runtime is built with the wrong key.
      const res = await postJson<{ detail?: string; status?: number }>(url, '/predict', { tasks: [lsTask(31, { text: 'x' }, 2)], project: projectUid(2), label_config: SIMPLE, params: { login: null, password: null, context: null } });
      expect(res.status).toBe(424);
      expect(JSON.stringify(res.body)).toMatch(/rejected the API key/);
      for (const secret of [KEY, apiKey]) {
        expect(JSON.stringify(res.body)).not.toContain(secret);
        expect(logs).not.toContain(secret);
      }
      expect(logs).toMatch(/rejected the API key/);
    } finally {
      apiKey = KEY;
    }
  });

  it('token usage and latency appear in GET /metrics (Prometheus text)', async () => {
    const res = await fetch(`${url}/metrics`, { headers: { accept: 'text/plain' } });
    const text = await res.text();
    expect(text).toMatch(/lsml_llm_tokens_total\{provider="openai",model="stand-in",kind="prompt"\} \d+/);
    expect(text).toMatch(/lsml_llm_request_duration_seconds_count\{provider="openai",model="stand-in"\} \d+/);
    expect(text).toMatch(/lsml_llm_repairs_total\{provider="openai",model="stand-in",outcome="failed"\} 2/);
    expect(text).toContain('lsml_http_requests_total'); // the server's own metrics are still there
  });
});
