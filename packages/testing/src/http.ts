// The HTTP client of the kit: Label Studio's way of joining URLs (a backend behind a path prefix
// works), optional basic auth, and a response that keeps status, headers, text and parsed JSON.

/** HTTP basic-auth credentials, as Label Studio sends them to a backend. */
export interface BasicAuth {
  user: string;
  pass: string;
}

/** Where a backend answers: a URL, or anything with `url` (and `auth`), such as `startBackend()`'s result. */
export type BackendTarget = string | { url: string; auth?: BasicAuth | undefined; modelClass?: string | undefined; webhookEvents?: readonly string[] | undefined };

/** A backend's answer: status, headers, raw text and the parsed JSON body (if any). */
export interface KitResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or `undefined` when it is not JSON. */
  json: unknown;
  contentType: string;
  ms: number;
}

/** One request the kit sends to a backend. */
export interface KitRequest {
  method?: string;
  /** Serialised as JSON with `Content-Type: application/json`, as Label Studio sends it. */
  body?: unknown;
  /** Sent as is (malformed bodies). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** `false`: send no credentials even when the target has some. */
  auth?: BasicAuth | false;
  timeoutMs?: number;
}

export function targetOf(target: BackendTarget, auth?: BasicAuth): { url: string; auth: BasicAuth | undefined } {
  if (typeof target === 'string') return { url: target, auth };
  return { url: target.url, auth: auth ?? target.auth };
}

/** The `Authorization` header value for `auth`. */
export function basicAuthHeader(auth: BasicAuth): string {
  return `Basic ${Buffer.from(`${auth.user}:${auth.pass}`, 'utf8').toString('base64')}`;
}

/** `base` + `path` the way Label Studio's MLApi joins them: `http://host/prefix` + `predict` → `http://host/prefix/predict`. */
export function joinUrl(base: string, path: string): string {
  const [p, query] = path.split('?', 2) as [string, string | undefined];
  const root = base.endsWith('/') ? base : `${base}/`;
  const rel = p.replace(/^\/+/, '');
  return `${rel === '' ? root.replace(/\/$/, '') || root : root + rel}${query === undefined ? '' : `?${query}`}`;
}

/** Send one request to a running backend the way Label Studio does (its User-Agent, JSON body, basic auth). */
export async function request(target: { url: string; auth: BasicAuth | undefined }, path: string, init: KitRequest = {}): Promise<KitResponse> {
  const headers: Record<string, string> = { 'User-Agent': 'heartex/lsml-testing', ...init.headers };
  const auth = init.auth === false ? undefined : (init.auth ?? target.auth);
  if (auth && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.Authorization = basicAuthHeader(auth);
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  const started = performance.now();
  const res = await fetch(joinUrl(target.url, path), {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    signal: AbortSignal.timeout(init.timeoutMs ?? 120_000),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, contentType: res.headers.get('content-type') ?? '', ms };
}

/** A short, single-line rendering of a response body for failure messages. */
export function preview(res: Pick<KitResponse, 'text'>, max = 300): string {
  const flat = res.text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
