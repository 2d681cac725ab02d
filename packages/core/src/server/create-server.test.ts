import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { defineBackend } from '../model/define-backend.js';
import { LabelStudioMLBase, type BackendClass } from '../model/label-studio-ml-base.js';
import { ModelResponse } from '../protocol/model-response.js';
import type { Task, WebhookData } from '../protocol/types.js';
import { MemoryStore } from '../state/memory-store.js';
import { createServer, type CreateServerOptions, type LsmlServer } from './create-server.js';
import { captureLogs as captureLogsWith } from '../testing/index.js';

const CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';

const running: LsmlServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const captureLogs = () => captureLogsWith(createLogger);

async function start(Model: BackendClass, options: CreateServerOptions = {}) {
  const server = createServer(Model, { store: new MemoryStore(), env: {}, logLevel: 'silent', ...options });
  running.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  return { server, url };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

class Counting extends LabelStudioMLBase {
  static setups = 0;
  override async setup() {
    Counting.setups++;
  }
  override async predict(tasks: Task[]) {
    return new ModelResponse({
      predictions: tasks.map(() => ({
        score: 0.7,
        result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }],
      })),
    });
  }
  override async fit(_event: string, _data: WebhookData) {
    return { version: await this.bumpModelVersion() };
  }
}

describe('routes and status codes', () => {
  it('answers HEAD, OPTIONS and 405 like Flask, and paths match exactly', async () => {
    const { url } = await start(LabelStudioMLBase);
    const head = await fetch(`${url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const opt = await fetch(`${url}/predict`, { method: 'OPTIONS' });
    expect(opt.status).toBe(200);
    expect(opt.headers.get('allow')).toBe('POST, OPTIONS');
    const optGet = await fetch(`${url}/metrics`, { method: 'OPTIONS' });
    expect(optGet.headers.get('allow')).toBe('HEAD, OPTIONS, GET');
    const wrong = await fetch(`${url}/predict`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS');
    const wrongJson = await fetch(`${url}/health`, { method: 'DELETE', headers: { accept: 'application/json' } });
    expect(wrongJson.status).toBe(405);
    expect(await wrongJson.json()).toMatchObject({ status: 405 });
    expect((await fetch(`${url}/health/`)).status).toBe(404);
    expect((await fetch(`${url}/HEALTH`)).status).toBe(404);
    expect((await fetch(`${url}/versions`)).status).toBe(404);
  });

  it('rejects bad bodies with 4xx JSON naming the field, and keeps state', async () => {
    const { url } = await start(Counting);
    const cases: Array<[unknown, number, string]> = [
      [{ tasks: 5 }, 422, 'tasks'],
      [{ tasks: [1] }, 422, 'tasks[0]'],
      [{ tasks: [], label_config: 7 }, 422, 'label_config'],
      [{ tasks: [], params: 'x' }, 422, 'params'],
      [{ tasks: [], project: { id: 1 } }, 422, 'project'],
    ];
    for (const [body, status, field] of cases) {
      const res = await post(`${url}/predict`, body);
      expect(res.status).toBe(status);
      const json = (await res.json()) as { detail: string; errors: Array<{ field: string }> };
      expect(json.errors.map((e) => e.field)).toContain(field);
      expect(json.detail).toContain(field);
    }
    const noSetupProject = await post(`${url}/setup`, { schema: CONFIG });
    expect(noSetupProject.status).toBe(422);
    expect(((await noSetupProject.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('project');
    const badWebhook = await post(`${url}/webhook`, { action: 'ANNOTATION_CREATED', project: { label_config: CONFIG } });
    expect(badWebhook.status).toBe(422);
    expect(((await badWebhook.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('project.id');
    const noAction = await post(`${url}/webhook`, { project: { id: 1 } });
    expect(noAction.status).toBe(422);
    const ok = await post(`${url}/predict`, { tasks: [{ data: { text: 'x' } }], project: '1.1', label_config: CONFIG });
    expect(ok.status).toBe(200);
  });

  it('limits the body size with a 413 JSON error', async () => {
    const { url } = await start(LabelStudioMLBase, { maxBodySize: '1kb' });
    const res = await post(`${url}/predict`, { tasks: [{ data: { text: 'x'.repeat(5000) } }] });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/exceeds/);
  });

  it('answers 415 for a non-JSON content type and 400 for broken JSON', async () => {
    const { url } = await start(LabelStudioMLBase);
    const wrongType = await fetch(`${url}/setup`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(wrongType.status).toBe(415);
    const broken = await fetch(`${url}/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"project":' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { detail: string }).detail).toMatch(/^Bad Request: Failed to decode JSON object/);
    const scalar = await post(`${url}/setup`, 'just a string');
    expect(scalar.status).toBe(400);
  });

  it('turns model exceptions into 500 JSON and keeps serving', async () => {
    const Flaky = defineBackend({
      name: 'Flaky',
      predict: (tasks) => {
        if (tasks[0]?.data?.boom) throw new TypeError('bad tensor');
        return [{ result: [] }];
      },
    });
    const { url } = await start(Flaky);
    const res = await post(`${url}/predict?debug=1`, { tasks: [{ data: { boom: true } }], project: '1' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { detail: string; request: Record<string, string>; result: { traceback: string } };
    expect(body.detail).toBe('TypeError: bad tensor');
    expect(body.request).toEqual({ debug: '1' });
    expect(body.result.traceback).not.toContain('    at ');
    const after = await post(`${url}/predict`, { tasks: [{ data: {} }], project: '1' });
    expect(after.status).toBe(200);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('includes the stack only in debug mode', async () => {
    const Boom = defineBackend({
      predict: () => {
        throw new Error('kaput');
      },
    });
    const { url } = await start(Boom, { debug: true });
    const body = (await (await post(`${url}/predict`, { tasks: [{}] })).json()) as { result: { traceback: string } };
    expect(body.result.traceback).toContain('    at ');
  });
});

describe('basic auth', () => {
  const auth = (s: string) => `Basic ${Buffer.from(s, 'utf8').toString('base64')}`;

  it('accepts only the right credentials and answers 401 for everything else, before routing', async () => {
    const { url } = await start(LabelStudioMLBase, { basicAuthUser: 'user', basicAuthPass: 'pässword' });
    const bad = [undefined, 'Bearer abc', 'Basic', 'Basic !!!', auth('nocolon'), auth('user:wrong'), auth('admin:pässword'), auth('üser:pässword'), 'Digest x'];
    for (const header of bad) {
      for (const path of ['/health', '/nope', '/predict']) {
        const res = await fetch(url + path, { headers: header ? { authorization: header } : {} });
        expect(res.status, `${header} ${path}`).toBe(401);
        expect(await res.text()).toBe('Unauthorized');
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="Login required"');
      }
    }
    const ok = await fetch(`${url}/health`, { headers: { authorization: auth('user:pässword') } });
    expect(ok.status).toBe(200);
    const okUnknown = await fetch(`${url}/nope`, { headers: { authorization: auth('user:pässword') } });
    expect(okUnknown.status).toBe(404);
  });

  it('is off when only one of user and password is set', async () => {
    const { url } = await start(LabelStudioMLBase, { basicAuthUser: 'user' });
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});

describe('model lifecycle and state', () => {
  it('keeps one instance per project and label config; setup runs once', async () => {
    Counting.setups = 0;
    const { url } = await start(Counting);
    await Promise.all(
      Array.from({ length: 10 }, () => post(`${url}/predict`, { tasks: [{ data: { text: 'a' } }], project: '1.1', label_config: CONFIG })),
    );
    expect(Counting.setups).toBe(1);
    await post(`${url}/setup`, { project: '2.5', schema: CONFIG });
    expect(Counting.setups).toBe(2);
    await post(`${url}/setup`, { project: 2, schema: CONFIG.replace('Negative', 'Neutral') });
    expect(Counting.setups).toBe(3);
  });

  it('shows a bumped version in /setup and in predictions', async () => {
    const { url } = await start(Counting);
    const v0 = (await (await post(`${url}/setup`, { project: '3.1', schema: CONFIG })).json()) as { model_version: string };
    expect(v0.model_version).toBe('0.0.1');
    const fit = await post(`${url}/webhook`, { action: 'START_TRAINING', project: { id: 3, label_config: CONFIG } });
    expect(fit.status).toBe(201);
    expect(await fit.json()).toEqual({ result: { version: '0.1.0' }, status: 'ok' });
    const v1 = (await (await post(`${url}/setup`, { project: '3.1', schema: CONFIG })).json()) as { model_version: string };
    expect(v1.model_version).toBe('0.1.0');
    const pred = (await (await post(`${url}/predict`, { tasks: [{ data: {} }], project: '3.1', label_config: CONFIG })).json()) as {
      results: Array<{ model_version: string }>;
    };
    expect(pred.results[0]!.model_version).toBe('0.1.0');
    // Another project is untouched.
    const other = (await (await post(`${url}/setup`, { project: '4.1', schema: CONFIG })).json()) as { model_version: string };
    expect(other.model_version).toBe('0.0.1');
  });

  it('stores extra_params from /setup and exposes them parsed', async () => {
    const Reader = defineBackend({ predict: (tasks, { model }) => tasks.map(() => ({ result: [], extra: model.extraParams })) });
    const { url, server } = await start(Reader);
    await post(`${url}/setup`, { project: '5.1', schema: CONFIG, extra_params: '{"temperature": 0.7}' });
    await post(`${url}/setup`, { project: '6.1', schema: CONFIG, extra_params: { top_k: 3 } });
    expect(await server.store.get('6', 'extra_params')).toBe('{"top_k":3}');
    const r5 = (await (await post(`${url}/predict`, { tasks: [{}], project: '5.1' })).json()) as { results: Array<{ extra: unknown }> };
    expect(r5.results[0]!.extra).toEqual({ temperature: 0.7 });
    const r6 = (await (await post(`${url}/predict`, { tasks: [{}], project: '6.1' })).json()) as { results: Array<{ extra: unknown }> };
    expect(r6.results[0]!.extra).toEqual({ top_k: 3 });
  });

  it('answers 422 for a malformed label config, naming the syntax error like Python, and keeps serving', async () => {
    const { url } = await start(LabelStudioMLBase);
    const res = await post(`${url}/setup`, { project: '1', schema: '<View>' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: string; errors: Array<{ field: string }> };
    expect(body.detail).toMatch(/^LabelStudioXMLSyntaxErrorSentryIgnored: /);
    expect(body.errors[0]!.field).toBe('schema');
    const empty = await post(`${url}/setup`, { project: '1', schema: '' });
    expect(empty.status).toBe(422);
    const bomb =
      '<!DOCTYPE v [<!ENTITY a "aaaaaaaaaa">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('') +
      ']><View><Text name="t" value="&j;"/></View>';
    const started = Date.now();
    const bombed = await post(`${url}/predict`, { tasks: [{}], project: '1', label_config: bomb });
    expect(bombed.status).toBe(422);
    expect(Date.now() - started).toBeLessThan(1000);
    const webhook = await post(`${url}/webhook`, { action: 'START_TRAINING', project: { id: 1, label_config: '<View><' } });
    expect(webhook.status).toBe(422);
    expect(((await webhook.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('project.label_config');
    expect((await post(`${url}/setup`, { project: '1', schema: CONFIG })).status).toBe(200);
  });
});

describe('prediction validation', () => {
  const Bad = defineBackend({
    name: 'Bad',
    predict: (tasks) =>
      new ModelResponse({
        predictions: tasks.map(() => ({
          result: [{ id: 'r1', from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Maybe'] } }],
        })),
      }),
  });

  it('logs a warning naming the region and field by default', async () => {
    const { lines, logger } = captureLogs();
    const { url } = await start(Bad, { logger });
    const res = await post(`${url}/predict`, { tasks: [{ data: { text: 'x' } }], project: '1', label_config: CONFIG });
    expect(res.status).toBe(200);
    const warning = lines.find((l) => String(l.msg).includes('does not match the label config'));
    expect(warning).toBeDefined();
    expect(JSON.stringify(warning)).toContain('results[0].result[0]');
    expect(JSON.stringify(warning)).toContain('Maybe');
  });

  it('fails the request in strict mode', async () => {
    const { url } = await start(Bad, { strictValidation: true });
    const res = await post(`${url}/predict`, { tasks: [{ data: { text: 'x' } }], project: '1', label_config: CONFIG });
    expect(res.status).toBe(500);
    const detail = ((await res.json()) as { detail: string }).detail;
    expect(detail).toContain('results[0].result[0]');
  });

  it('passes valid predictions without warnings', async () => {
    const { lines, logger } = captureLogs();
    const { url } = await start(Counting, { logger, strictValidation: true });
    const res = await post(`${url}/predict`, { tasks: [{ data: { text: 'x' } }], project: '1', label_config: CONFIG });
    expect(res.status).toBe(200);
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });
});

describe('path prefix', () => {
  it('serves every route under the base path', async () => {
    const { url } = await start(LabelStudioMLBase, { basePath: '/ml/' });
    expect(url.endsWith('/ml')).toBe(true);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await post(`${url}/predict`, { tasks: [] })).status).toBe(200);
    expect((await fetch(url.replace('/ml', '/health'))).status).toBe(404);
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, then stops accepting', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const Slow = defineBackend({
      predict: async () => {
        await gate;
        return [{ result: [], done: true }];
      },
    });
    const { server, url } = await start(Slow);
    running.pop();
    const inflight = post(`${url}/predict`, { tasks: [{}] });
    while (server.inFlight() === 0) await new Promise((r) => setTimeout(r, 5));
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    release();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ results: [{ result: [], done: true }] });
    await closing;
  });
});

describe('logging', () => {
  it('never writes passwords, tokens or credentials into the logs', async () => {
    const { lines, logger } = captureLogs();
    const Loud = defineBackend({
      predict: (_tasks, { params, model }) => {
        model.logger.info({ params }, 'predict called');
        throw new Error('boom');
      },
    });
    const auth = `Basic ${Buffer.from('user:s3cr3t-pass').toString('base64')}`;
    const { url } = await start(Loud, { logger, basicAuthUser: 'user', basicAuthPass: 's3cr3t-pass' });
    await post(`${url}/setup`, { project: '1', schema: CONFIG, access_token: 'ls-access-token-123', hostname: 'http://ls' }, { authorization: auth });
    await post(`${url}/predict`, { tasks: [{}], project: '1', params: { login: 'bob', password: 'hunter2-pass' } }, { authorization: auth });
    await fetch(`${url}/health`, { headers: { authorization: 'Basic d3Jvbmc6d3Jvbmc=' } });
    const text = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThan(2);
    for (const secret of ['s3cr3t-pass', 'ls-access-token-123', 'hunter2-pass', Buffer.from('user:s3cr3t-pass').toString('base64')]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });
});
