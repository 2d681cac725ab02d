// llmRuntime against a LOCAL STAND-IN for an OpenAI-compatible server (stand-in-server.test-helper.ts:
// node:http speaking the chat-completions wire format; no LLM runs here), and the local provider on the
// repository's tiny random-weight GPT-2 (which emits junk: exactly what the repair and drop paths are for).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeMetrics, type ResponseSchema, type TextInput } from '@lsml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmError } from './errors.js';
import { backoffMs, retryAfterMs, Semaphore } from './limits.js';
import { llmRuntime } from './runtime.js';
import { startStandIn, type StandIn } from './stand-in-server.test-helper.js';

const KEY = 'sk-test-0123456789abcdefSECRET';
const TINY_GPT2 = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../transformers/test/models/tiny-gpt2');

const SCHEMA: ResponseSchema = {
  name: 'label_studio_answer',
  schema: {
    type: 'object',
    properties: { sentiment: { type: 'string', enum: ['Positive', 'Negative'] }, summary: { type: 'string' } },
    required: ['sentiment', 'summary'],
    additionalProperties: false,
  },
};
const input = (text: string): TextInput => ({ kind: 'text', text, prompt: `Classify: ${text}`, responseSchema: SCHEMA });
const good = JSON.stringify({ sentiment: 'Positive', summary: 'liked it' });

let standIn: StandIn;
beforeAll(async () => {
  standIn = await startStandIn({ apiKey: KEY, fallback: () => ({ content: good }) });
});
afterAll(() => standIn.close());

// Each test gets its own model name, so the per-endpoint concurrency limits do not mix.
let n = 0;
const runtime = (extra: Record<string, unknown> = {}) => llmRuntime({ baseURL: standIn.baseURL, apiKey: KEY, model: `stand-in-${++n}`, retryBaseMs: 10, ...extra });
const since = (from: number) => standIn.requests.slice(from);

describe('llmRuntime on the stand-in (OpenAI-compatible wire format)', () => {
  it('sends the prompt and the schema as response_format json_schema (strict), returns the answer and counts tokens', async () => {
    const from = standIn.requests.length;
    const rt = runtime();
    const [out] = await rt.run([input('great film')]);
    expect(out).toEqual({ kind: 'text', texts: [{ text: good }] });
    const [req] = since(from);
    expect(req?.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: SCHEMA.name, schema: SCHEMA.schema, strict: true } });
    expect(req?.body.messages?.at(-1)).toEqual({ role: 'user', content: 'Classify: great film' });
    expect(req?.body.messages?.[0]?.content).toContain('"enum":["Positive","Negative"]');
    expect(req?.body.temperature).toBe(0);
    expect(req?.headers.authorization).toBe(`Bearer ${KEY}`);
    const metrics = await runtimeMetrics.registry.metrics();
    expect(metrics).toMatch(new RegExp(`lsml_llm_tokens_total\\{provider="openai",model="${rt.modelId.split(':')[1]}",kind="prompt"\\} 11`));
    expect(metrics).toMatch(new RegExp(`lsml_llm_tokens_total\\{provider="openai",model="${rt.modelId.split(':')[1]}",kind="completion"\\} 7`));
    expect(metrics).toContain(`lsml_llm_request_duration_seconds_count{provider="openai",model="${rt.modelId.split(':')[1]}"} 1`);
  });

  it('streams (server-sent events) and reads usage from the last chunk', async () => {
    const from = standIn.requests.length;
    const rt = runtime({ stream: true });
    standIn.queue.push({ content: good, usage: { prompt_tokens: 30, completion_tokens: 12 } });
    const [out] = await rt.run([input('great film')]);
    expect(out?.texts[0]?.text).toBe(good);
    expect(since(from)[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(await runtimeMetrics.registry.metrics()).toContain(`lsml_llm_tokens_total{provider="openai",model="${rt.modelId.split(':')[1]}",kind="prompt"} 30`);
  });

  it('json_object and none modes ask for JSON without a schema in response_format', async () => {
    const from = standIn.requests.length;
    await runtime({ structuredOutputs: 'json_object' }).run([input('a')]);
    await runtime({ structuredOutputs: 'none', tokenLimitParam: 'max_completion_tokens', maxTokens: 99 }).run([input('b')]);
    const [a, b] = since(from);
    expect(a?.body.response_format).toEqual({ type: 'json_object' });
    expect(a?.body.max_tokens).toBe(512);
    expect(b?.body).toMatchObject({ max_completion_tokens: 99 });
    expect(b?.body.max_tokens).toBeUndefined();
    expect(b?.body.response_format).toBeUndefined();
    expect(b?.body.messages?.[0]?.content).toContain('JSON schema');
  });

  it('malformed JSON gets ONE repair call that quotes the problem; a fixed answer is returned', async () => {
    const from = standIn.requests.length;
    standIn.queue.push({ content: 'Sure! {"sentiment": "Positive", "summary": ' }, { content: good });
    const [out] = await runtime().run([input('x')]);
    expect(out?.texts[0]?.text).toBe(good);
    const reqs = since(from);
    expect(reqs).toHaveLength(2);
    const repair = reqs[1]?.body.messages ?? [];
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: 'Sure! {"sentiment": "Positive", "summary": ' });
    expect(repair.at(-1)?.content).toMatch(/not JSON/);
  });

  it('an answer that does not fit the schema (a choice not in the enum, a wrong type) is repaired once, never twice', async () => {
    const from = standIn.requests.length;
    const bad = JSON.stringify({ sentiment: 'Ecstatic', summary: 42 });
    standIn.queue.push({ content: bad }, { content: bad });
    const [out] = await runtime().run([input('x')]);
    expect(since(from)).toHaveLength(2);
    expect(since(from)[1]?.body.messages?.at(-1)?.content).toContain('"Ecstatic" is not one of');
    // The runtime returns the answer; the head drops what does not fit (head.test.ts).
    expect(out?.texts[0]?.text).toBe(bad);
  });

  it('a 429 is retried after the Retry-After the provider asked for', async () => {
    const from = standIn.requests.length;
    standIn.queue.push({ status: 429, message: 'Rate limit reached', headers: { 'retry-after': '1' } });
    const started = Date.now();
    const [out] = await runtime().run([input('x')]);
    expect(out?.texts[0]?.text).toBe(good);
    expect(since(from)).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('5xx is retried maxRetries times, then fails as provider_unavailable (502)', async () => {
    const from = standIn.requests.length;
    standIn.queue.push({ status: 500, message: 'boom' }, { status: 503, message: 'overloaded' });
    await expect(runtime().run([input('x')])).resolves.toHaveLength(1);
    expect(since(from)).toHaveLength(3);
    const from2 = standIn.requests.length;
    standIn.queue.push({ status: 500, message: 'boom' }, { status: 502, message: 'bad gateway' }, { status: 500, message: 'boom' });
    const err = await runtime().run([input('x')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err).toMatchObject({ code: 'provider_unavailable', status: 502, providerStatus: 500 });
    expect(since(from2)).toHaveLength(3);
  });

  it('a Retry-After past the task deadline is not waited for: provider_rate_limited (503) at once', async () => {
    standIn.queue.push({ status: 429, message: 'slow down', headers: { 'retry-after': '30' } });
    const started = Date.now();
    const err = await runtime({ deadlineMs: 5_000 }).run([input('x')]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'provider_rate_limited', status: 503 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('401: a 4xx LlmError saying the provider rejected the API key, no retry, the key masked', async () => {
    const from = standIn.requests.length;
    const rt = llmRuntime({ baseURL: standIn.baseURL, apiKey: 'sk-wrong-key-ABCDEFGHIJKLMNOP', model: 'stand-in-auth' });
    const err = (await rt.run([input('x')]).catch((e: unknown) => e)) as LlmError;
    expect(err).toBeInstanceOf(LlmError);
    expect(err.code).toBe('provider_auth');
    expect(err.status).toBe(424);
    expect(err.message).toMatch(/rejected the API key \(HTTP 401\)/);
    expect(err.message).not.toContain('sk-wrong-key-ABCDEFGHIJKLMNOP');
    expect(err.message).toContain('***');
    expect(since(from)).toHaveLength(1);
  });

  it('a slow provider ends in provider_timeout (504) after timeoutMs', async () => {
    standIn.queue.push({ content: good, delayMs: 1_500 });
    const started = Date.now();
    const err = await runtime({ timeoutMs: 300, maxRetries: 0 }).run([input('x')]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'provider_timeout', status: 504 });
    expect(Date.now() - started).toBeLessThan(1_200);
  });

  it('the task deadline bounds retries and repair together', async () => {
    standIn.queue.push({ content: 'not json', delayMs: 400 }, { content: good, delayMs: 400 });
    const err = await runtime({ deadlineMs: 600 }).run([input('x')]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'provider_timeout', status: 504 });
  });

  it('at most `concurrency` calls are in flight per provider; outputs stay in input order', async () => {
    const model = `stand-in-conc-${++n}`;
    const probe = await startStandIn({ apiKey: KEY, fallback: (req) => ({ content: JSON.stringify({ sentiment: 'Positive', summary: req.body.messages?.at(-1)?.content }), delayMs: 80 }) });
    try {
      const a = llmRuntime({ baseURL: probe.baseURL, apiKey: KEY, model, concurrency: 2 });
      const b = llmRuntime({ baseURL: probe.baseURL, apiKey: KEY, model, concurrency: 2 }); // same endpoint: shares the limit
      const texts = ['a', 'b', 'c', 'd', 'e', 'f'];
      const [outA, outB] = await Promise.all([a.run(texts.map(input)), b.run(texts.map(input))]);
      expect(probe.maxInFlight).toBe(2);
      expect(outA.map((o) => (JSON.parse(o.texts[0]?.text ?? '{}') as { summary: string }).summary)).toEqual(texts.map((t) => `Classify: ${t}`));
      expect(outB).toHaveLength(6);
    } finally {
      await probe.close();
    }
  });

  it('the first provider failure of a batch stops the other tasks\' calls', async () => {
    standIn.queue.push({ status: 400, message: 'bad request' }, { content: good, delayMs: 600 });
    const rt = runtime();
    const model = rt.modelId.split(':')[1];
    const err = await rt.run([input('a'), input('b')]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'provider_request', status: 502, providerStatus: 400 });
    await new Promise((r) => setTimeout(r, 800));
    // The slow call was aborted: it never counted as answered.
    expect(await runtimeMetrics.registry.metrics()).not.toContain(`lsml_llm_requests_total{provider="openai",model="${model}",outcome="ok"}`);
  });

  it('an aborted request rejects with the signal reason', async () => {
    standIn.queue.push({ content: good, delayMs: 2_000 });
    const controller = new AbortController();
    const pending = runtime().run([input('x')], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client went away')), 100);
    await expect(pending).rejects.toThrow('client went away');
  });

  it('rejects inputs that are not text with invalid_input (400), and settings without a model', async () => {
    await expect(runtime().run([{ kind: 'image' } as unknown as TextInput])).rejects.toMatchObject({ code: 'invalid_input', status: 400 });
    expect(() => llmRuntime({ model: '' })).toThrow(LlmError);
    expect(() => llmRuntime({ model: 'm', timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});

describe('client limits', () => {
  it('Retry-After in seconds, as an HTTP date, and retry-after-ms', () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(retryAfterMs(h({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(h({ 'retry-after-ms': '150' }))).toBe(150);
    expect(retryAfterMs(h({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6_000);
    expect(retryAfterMs(h({}))).toBeUndefined();
    expect(backoffMs(0, 500, () => 1)).toBe(500);
    expect(backoffMs(3, 500, () => 0)).toBe(2000);
    expect(backoffMs(30, 500, () => 1)).toBe(20_000);
  });

  it('Semaphore: a waiter that aborts leaves the queue', async () => {
    const s = new Semaphore(1);
    let release!: () => void;
    const held = s.use(() => new Promise<void>((r) => (release = r)));
    const c = new AbortController();
    const waiting = s.use(async () => 'never', c.signal);
    c.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    release();
    await held;
    await expect(s.use(async () => 'next')).resolves.toBe('next');
    expect(s.inFlight).toBe(0);
  });
});

describe('llmRuntime local provider on the tiny GPT-2', () => {
  it('generates (junk), asks once for a repair, and returns text', async () => {
    const rt = llmRuntime({ provider: 'local', model: TINY_GPT2, maxTokens: 12 });
    const info = await rt.load();
    expect(info).toEqual({});
    expect(rt.modelId).toBe(`local:${TINY_GPT2}`);
    const outs = await rt.run([input('great film'), { kind: 'text', text: 'no schema here' }]);
    expect(outs).toHaveLength(2);
    for (const o of outs) {
      expect(o.kind).toBe('text');
      expect(typeof o.texts[0]?.text).toBe('string');
    }
    expect(await runtimeMetrics.registry.metrics()).toMatch(/lsml_llm_repairs_total\{provider="local",model="[^"]*tiny-gpt2",outcome="failed"\} 1/);
    await rt.dispose();
  }, 60_000);
});
