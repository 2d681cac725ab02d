import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressRouter, type LsmlExpressRouter } from './express.js';
import { LabelStudioMLBase } from './model/label-studio-ml-base.js';
import { ModelResponse } from './protocol/model-response.js';
import type { Task } from './protocol/types.js';
import { MemoryStore } from './state/memory-store.js';

const CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';

class Positive extends LabelStudioMLBase {
  override async predict(tasks: Task[]) {
    return new ModelResponse({
      predictions: tasks.map(() => ({ score: 0.9, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }] })),
    });
  }
}

const open: Array<{ server: http.Server; router: LsmlExpressRouter }> = [];
afterEach(async () => {
  for (const { server, router } of open.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await router.close();
  }
});

/** A host Express app with its own routes, lsml mounted under /ml. */
async function host(options: { parseJson?: boolean; basicAuth?: boolean } = {}) {
  const app = express();
  if (options.parseJson) app.use(express.json());
  app.get('/app/hello', (_req, res) => {
    res.json({ hello: 'host' });
  });
  const router = createExpressRouter(Positive, {
    store: new MemoryStore(),
    env: {},
    logLevel: 'silent',
    ...(options.basicAuth ? { basicAuthUser: 'u', basicAuthPass: 'p' } : {}),
  });
  app.use('/ml', router);
  app.use((_req, res) => {
    res.status(404).json({ host: 'not found' });
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({ server, router });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = (url: string, body: unknown, type = 'application/json') =>
  fetch(url, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe.each([
  ['reading the body itself', false],
  ['after the host app parsed JSON', true],
])('createExpressRouter mounted in an Express app (%s)', (_name, parseJson) => {
  it('serves the lsml routes under the mount path with the same answers as lsml start', async () => {
    const url = await host({ parseJson });
    expect(await (await fetch(`${url}/ml/health`)).json()).toEqual({ model_class: 'Positive', status: 'UP' });
    const setup = await post(`${url}/ml/setup`, { project: '3.1', schema: CONFIG });
    expect(await setup.json()).toEqual({ model_version: '0.0.1' });
    const res = await post(`${url}/ml/predict`, { tasks: [{ id: 1, data: { text: 'x' } }], project: '3.1', label_config: CONFIG });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { results: Array<{ model_version: string; result: Array<{ value: unknown }> }> };
    expect(body.results[0]!.model_version).toBe('0.0.1');
    expect(body.results[0]!.result[0]!.value).toEqual({ choices: ['Positive'] });
    // Errors keep the JSON envelope.
    const bad = await post(`${url}/ml/predict?x=1`, { tasks: 5 });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ status: 422, request: { x: '1' }, errors: [{ field: 'tasks' }] });
    const wrong = await fetch(`${url}/ml/predict`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('leaves other paths to the host app', async () => {
    const url = await host({ parseJson });
    expect(await (await fetch(`${url}/app/hello`)).json()).toEqual({ hello: 'host' });
    const unknown = await fetch(`${url}/ml/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ host: 'not found' });
    expect((await fetch(`${url}/health`)).status).toBe(404);
  });
});

describe('createExpressRouter', () => {
  it('answers 415 for a non-JSON body and 400 for broken JSON', async () => {
    const url = await host();
    expect((await post(`${url}/ml/predict`, '{"tasks": []}', 'text/plain')).status).toBe(415);
    const broken = await post(`${url}/ml/predict`, '{"tasks":');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { detail: string }).detail).toMatch(/^Bad Request: Failed to decode JSON object/);
  });

  it('applies basic auth to its own routes only', async () => {
    const url = await host({ basicAuth: true });
    expect((await fetch(`${url}/ml/health`)).status).toBe(401);
    const ok = await fetch(`${url}/ml/health`, { headers: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${url}/app/hello`)).status).toBe(200);
  });
});

describe('entry points', () => {
  it('the default entry point does not load express', () => {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    const script = `
      const { createRequire } = await import('node:module');
      await import(${JSON.stringify(`${dist}index.js`)});
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('/node_modules/express/'));
      await import(${JSON.stringify(`${dist}express.js`)});
      const after = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('/node_modules/express/'));
      console.log(JSON.stringify({ loaded: loaded.length, after: after.length }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const { loaded, after } = JSON.parse(r.stdout) as { loaded: number; after: number };
    expect(loaded).toBe(0);
    // The check itself can see express when it is loaded.
    expect(after).toBeGreaterThan(0);
  });
});
