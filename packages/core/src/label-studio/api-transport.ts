// How the Label Studio client sends its requests. By default node:http(s) with a keep-alive agent per
// client: a bulk job reads pages of ~500 KB and writes batches in a loop, and fetch's WHATWG streams
// cost more CPU per page than node:http (bench/bulk-predict.mjs's "CPU per task" row shows it). A
// `fetch` given in the client's options (tests that inject faults) is used as it is.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** What the client reads of an answer. */
export interface ApiResponse {
  status: number;
  ok: boolean;
  /** A response header (case-insensitive), or null. */
  header(name: string): string | null;
  /** The body as text (decompressed). */
  text(): Promise<string>;
}

/** One request: method, headers, optional JSON text body, and a signal that aborts it. */
export interface ApiRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export type ApiTransport = (url: string, init: ApiRequestInit) => Promise<ApiResponse>;

/** Requests through a fetch implementation. */
export function fetchTransport(fetchImpl: typeof fetch): ApiTransport {
  return async (url, init) => {
    const res = await fetchImpl(url, init);
    return { status: res.status, ok: res.ok, header: (name) => res.headers.get(name), text: () => res.text() };
  };
}

/** Requests through node:http / node:https, keeping connections open between calls (as fetch does). */
export function nodeHttpTransport(): ApiTransport {
  // Idle sockets are unref'd by the agents (they never keep the process alive) and closed after 4 s, as
  // undici's fetch does (or sooner when the server's Keep-Alive header says so): a request sent on a
  // socket the server is closing at that moment fails, and a failed write is not retried.
  const options = { keepAlive: true, timeout: 4_000 };
  const agents: Record<string, http.Agent> = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };
  return (url, init) =>
    new Promise<ApiResponse>((resolve, reject) => {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      const headers: Record<string, string | number> = { ...init.headers, 'Accept-Encoding': 'gzip, deflate, br' };
      if (init.body !== undefined) headers['Content-Length'] = Buffer.byteLength(init.body);
      const req = client.request(target, { method: init.method, headers, agent: agents[target.protocol], signal: init.signal }, (res) => {
        const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
        const inflate = encoding === 'gzip' || encoding === 'x-gzip' ? zlib.createGunzip() : encoding === 'deflate' ? zlib.createInflate() : encoding === 'br' ? zlib.createBrotliDecompress() : null;
        const stream: Readable = inflate ? res.pipe(inflate) : res;
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.once('error', reject);
        res.once('error', reject);
        // A connection cut in the middle of the body: 'end' never comes.
        res.once('close', () => {
          if (!res.complete) reject(new Error('the connection closed before the whole answer arrived'));
        });
        stream.once('end', () => {
          const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          resolve({
            status,
            ok: status >= 200 && status < 300,
            header: (name) => {
              const v = res.headers[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
            },
            text: async () => body,
          });
        });
      });
      req.once('error', reject);
      req.end(init.body);
    });
}
