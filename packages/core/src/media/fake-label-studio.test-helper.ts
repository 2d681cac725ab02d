/**
 * Test helper: a real HTTP server on 127.0.0.1 (random port) that records every request and
 * answers from registered routes. It stands in for Label Studio (and for "some other host").
 * Not exported from the package.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type RouteHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  origin: string;
  requests: RecordedRequest[];
  /** Register a route; `match` is the exact path+query or a predicate on it. Later routes win. */
  on(method: string, match: string | ((url: string) => boolean), handler: RouteHandler): void;
  /** Requests whose path+query satisfy the matcher. */
  hits(match: string | ((url: string) => boolean)): RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const routes: Array<{ method: string; match: (url: string) => boolean; handler: RouteHandler }> = [];
  const toPredicate = (m: string | ((url: string) => boolean)) => (typeof m === 'string' ? (u: string) => u === m : m);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(rec);
      const route = [...routes].reverse().find((r) => r.method === rec.method && r.match(rec.url));
      if (!route) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      Promise.resolve(route.handler(rec, res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    on(method, match, handler) {
      routes.push({ method, match: toPredicate(match), handler });
    },
    hits(match) {
      const p = toPredicate(match);
      return requests.filter((r) => p(r.url));
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** Reply helper: 200 with a text body. */
export function text(body: string, status = 200): RouteHandler {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) }).end(body);
  };
}

/** An unsigned JWT with the given claims (signature is junk: nothing here verifies it). */
export function makeJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}.${Buffer.from('sig').toString('base64url')}`;
}

let seq = 0;
/** A PAT (JWT refresh token) unique per call, so process-wide token caches never leak between tests. */
export function makePat(expSeconds = Math.floor(Date.now() / 1000) + 3600 * 24 * 365): string {
  seq += 1;
  return makeJwt({ token_type: 'refresh', exp: expSeconds, jti: `pat-${process.pid}-${seq}-${Math.random()}`, user_id: 1 });
}

/**
 * Route `POST /api/token/refresh/` answering `{access}` for `pat`, 401 otherwise.
 * Returns the access tokens handed out, in order.
 */
export function serveTokenRefresh(server: FakeServer, pat: string, accessTtlSeconds = 300, now: () => number = Date.now): string[] {
  const issued: string[] = [];
  server.on('POST', '/api/token/refresh/', (req, res) => {
    const body = JSON.parse(req.body || '{}') as { refresh?: unknown };
    if (body.refresh !== pat) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ detail: 'Token is invalid or expired' }));
      return;
    }
    const access = makeJwt({ token_type: 'access', exp: Math.floor(now() / 1000) + accessTtlSeconds, n: issued.length + 1 });
    issued.push(access);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access }));
  });
  return issued;
}
