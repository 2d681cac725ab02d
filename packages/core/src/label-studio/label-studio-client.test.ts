import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LabelStudioApiError, LabelStudioClient } from './label-studio-client.js';

/** A JWT-shaped token (LS Personal Access Tokens are JWT refresh tokens). */
function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}

interface Seen {
  path: string;
  authorization: string | undefined;
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Plays Label Studio's API: /api/tasks pages (404 past the end), /api/token/refresh/, /api/projects/:id/. */
async function fakeLabelStudio(tasks: Array<Record<string, unknown>>, opts: { accessToken?: string } = {}) {
  const seen: Seen[] = [];
  let refreshes = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    seen.push({ path: url.pathname + url.search, authorization: req.headers.authorization });
    if (url.pathname === '/api/token/refresh/' && req.method === 'POST') {
      refreshes++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access: opts.accessToken }));
      return;
    }
    if (req.headers.authorization !== (opts.accessToken ? `Bearer ${opts.accessToken}` : 'Token legacy-token')) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"detail":"Authentication credentials were not provided."}');
      return;
    }
    if (url.pathname === '/api/projects/7/') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 7, title: 'P' }));
      return;
    }
    if (url.pathname === '/api/tasks/') {
      const page = Number(url.searchParams.get('page'));
      const size = Number(url.searchParams.get('page_size'));
      const slice = tasks.slice((page - 1) * size, page * size);
      if (page > 1 && slice.length === 0) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Invalid page."}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tasks: slice, total: tasks.length }));
      return;
    }
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, refreshes: () => refreshes };
}

const makeTasks = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    data: { text: `t${i + 1}` },
    annotations:
      i % 3 === 0
        ? []
        : [{ id: i + 100, was_cancelled: i % 5 === 0, result: [{ from_name: 'c', to_name: 't', type: 'choices', value: { choices: ['A'] } }] }],
  }));

describe('LabelStudioClient', () => {
  it('pages through annotated tasks with a legacy token', async () => {
    const ls = await fakeLabelStudio(makeTasks(25));
    const client = new LabelStudioClient({ env: { LABEL_STUDIO_URL: ls.url, LABEL_STUDIO_API_KEY: 'legacy-token' } });
    const tasks = await client.annotatedTasks(7, { pageSize: 10 });
    const expected = makeTasks(25).filter((t) => t.annotations.some((a) => !a.was_cancelled));
    expect(tasks.map((t) => t.id)).toEqual(expected.map((t) => t.id));
    expect(ls.seen.filter((s) => s.path.startsWith('/api/tasks/')).map((s) => new URL(s.path, 'http://x').searchParams.get('page'))).toEqual(['1', '2', '3']);
    expect(ls.seen.every((s) => s.authorization === 'Token legacy-token')).toBe(true);
    const all = [];
    for await (const t of client.tasks(7, { onlyAnnotated: false, pageSize: 5 })) all.push(t);
    expect(all).toHaveLength(25);
  });

  it('stops at a 404 page past the end (exact multiple of the page size)', async () => {
    const ls = await fakeLabelStudio(makeTasks(20));
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'legacy-token' });
    const all = [];
    for await (const t of client.tasks(7, { onlyAnnotated: false, pageSize: 10 })) all.push(t);
    expect(all).toHaveLength(20);
  });

  it('exchanges a Personal Access Token for a Bearer access token once', async () => {
    const access = jwt({ token_type: 'access', exp: Math.floor(Date.now() / 1000) + 3600 });
    const ls = await fakeLabelStudio(makeTasks(4), { accessToken: access });
    const pat = jwt({ token_type: 'refresh', exp: Math.floor(Date.now() / 1000) + 86400 });
    const client = new LabelStudioClient({ url: ls.url, apiKey: pat });
    expect(await client.getProject(7)).toEqual({ id: 7, title: 'P' });
    expect((await client.annotatedTasks(7)).length).toBe(2);
    expect(ls.refreshes()).toBe(1);
    expect(ls.seen.filter((s) => s.path !== '/api/token/refresh/').every((s) => s.authorization === `Bearer ${access}`)).toBe(true);
  });

  it('reports a wrong key and a missing URL clearly', async () => {
    const ls = await fakeLabelStudio([]);
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'wrong' });
    await expect(client.getProject(7)).rejects.toThrow(/Label Studio answered 401/);
    await expect(client.getProject(7)).rejects.toBeInstanceOf(LabelStudioApiError);
    expect(() => new LabelStudioClient({ env: {} })).toThrow(/LABEL_STUDIO_URL/);
  });
});

/** A server whose every answer is `handle`'s; counts the requests. */
async function rawServer(handle: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void) {
  let n = 0;
  const server = http.createServer((req, res) => handle(req, res, ++n));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n };
}

// The default transport is node:http (not fetch): what fetch did for the client, it must do too.
describe('LabelStudioClient over node:http', () => {
  it.each(['gzip', 'deflate', 'br'] as const)('reads a %s-encoded answer', async (encoding) => {
    const { gzipSync, deflateSync, brotliCompressSync } = await import('node:zlib');
    const compress = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync }[encoding];
    const ls = await rawServer((req, res) => {
      expect(req.headers['accept-encoding']).toContain(encoding);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding }).end(compress(Buffer.from(JSON.stringify({ id: 7, title: 'Zoë ✉' }))));
    });
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'legacy-token' });
    expect(await client.getProject(7)).toEqual({ id: 7, title: 'Zoë ✉' });
  });

  it('retries a read whose connection is cut mid-answer, and sends a JSON body with its length', async () => {
    const ls = await rawServer((req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"id": 7, "ti');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, length: req.headers['content-length'], body })));
    });
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'legacy-token', retryBaseMs: 1 });
    expect(await client.request('/api/projects/7/')).toEqual({ method: 'GET', body: '' });
    expect(ls.count()).toBe(2);
    const sent = await client.send<{ length: string; body: string }>('POST', '/api/predictions/', { task: 1, result: [], model_version: 'é' });
    expect(JSON.parse(sent.body)).toEqual({ task: 1, result: [], model_version: 'é' });
    expect(Number(sent.length)).toBe(Buffer.byteLength(sent.body));
  });

  it('gives up on an answer slower than timeoutMs, and stops at once when the caller aborts', async () => {
    const ls = await rawServer(() => undefined); // never answers
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'legacy-token', timeoutMs: 100, maxRetries: 1, retryBaseMs: 1 });
    const started = Date.now();
    await expect(client.getProject(7)).rejects.toThrow(/could not be reached/);
    expect(ls.count()).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
    const caller = new AbortController();
    setTimeout(() => caller.abort(new Error('canceled by the caller')), 50);
    await expect(new LabelStudioClient({ url: ls.url, apiKey: 'legacy-token' }).request('/api/tasks/', { signal: caller.signal })).rejects.toThrow('canceled by the caller');
  });
});
