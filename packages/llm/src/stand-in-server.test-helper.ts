// A LOCAL STAND-IN for an OpenAI-compatible server (no LLM can run on the test machines): node:http on
// an ephemeral port speaking the chat-completions wire format of the OpenAI API reference —
// `POST /v1/chat/completions` answered as a `chat.completion` object, or with `stream: true` as
// server-sent `chat.completion.chunk` events ending in `data: [DONE]` (usage in a last chunk when
// `stream_options.include_usage`), errors as `{error: {message, type, code}}` with their HTTP status
// and `Retry-After`. The test scripts what the "model" answers; the stand-in records every request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the stand-in received it. */
export interface RecordedRequest {
  readonly body: {
    model?: string;
    messages?: Array<{ role: string; content: string }>;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown>; strict?: boolean } };
    temperature?: number;
    max_tokens?: number;
    max_completion_tokens?: number;
  };
  readonly headers: http.IncomingHttpHeaders;
}

/** What the stand-in answers: the assistant's content, or an HTTP error. */
export type Reply =
  | { readonly content: string; readonly delayMs?: number; readonly usage?: { prompt_tokens: number; completion_tokens: number } }
  | { readonly status: number; readonly message: string; readonly headers?: Record<string, string>; readonly delayMs?: number };

/** A running stand-in. */
export interface StandIn {
  /** The base URL to give the `openai` client (`http://127.0.0.1:<port>/v1`). */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  /** Most requests in flight at once so far. */
  readonly maxInFlight: number;
  /** The next replies, in order; when empty, `fallback` answers. */
  readonly queue: Reply[];
  fallback: (req: RecordedRequest) => Reply;
  close(): Promise<void>;
}

/**
 * Start a stand-in. Requests without `Authorization: Bearer <apiKey>` get the 401 OpenAI sends for a
 * wrong key — whose message, like OpenAI's, quotes the key it was given (the runtime must mask it).
 */
export async function startStandIn(options: { apiKey: string; fallback?: (req: RecordedRequest) => Reply }): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sockets = new Set<import('node:net').Socket>();
  const state = {
    fallback: options.fallback ?? ((): Reply => ({ content: '{}' })),
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      void (async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
            res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Unknown route ${req.url}`, type: 'invalid_request_error', code: null } }));
            return;
          }
          const body = JSON.parse(raw) as RecordedRequest['body'];
          const recorded = { body, headers: req.headers };
          requests.push(recorded);
          const auth = req.headers.authorization ?? '';
          const given = auth.replace(/^Bearer\s+/i, '');
          const reply: Reply =
            given !== options.apiKey
              ? { status: 401, message: `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.` }
              : (queue.shift() ?? state.fallback(recorded));
          if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
          if (res.destroyed) return;
          if ('status' in reply) {
            const type = reply.status === 401 ? 'invalid_request_error' : reply.status === 429 ? 'rate_limit_exceeded' : 'server_error';
            res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
            res.end(JSON.stringify({ error: { message: reply.message, type, param: null, code: reply.status === 401 ? 'invalid_api_key' : null } }));
            return;
          }
          const usage = reply.usage ?? { prompt_tokens: 11, completion_tokens: 7 };
          const id = `chatcmpl-${requests.length}`;
          const created = Math.floor(Date.now() / 1000);
          if (body.stream) {
            res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
            const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
            const base = { id, object: 'chat.completion.chunk', created, model: body.model };
            send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
            // The content in pieces of a few characters, as a model streams tokens.
            for (let i = 0; i < reply.content.length; i += 5) {
              send({ ...base, choices: [{ index: 0, delta: { content: reply.content.slice(i, i + 5) }, finish_reason: null }] });
            }
            send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
            if (body.stream_options?.include_usage) send({ ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
            res.end('data: [DONE]\n\n');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id,
              object: 'chat.completion',
              created,
              model: body.model,
              choices: [{ index: 0, message: { role: 'assistant', content: reply.content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
              usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
            }),
          );
        } finally {
          inFlight--;
        }
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    queue,
    get maxInFlight() {
      return maxInFlight;
    },
    get fallback() {
      return state.fallback;
    },
    set fallback(f) {
      state.fallback = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
