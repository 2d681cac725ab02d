/**
 * Label Studio credentials for downloading task media (§6.6 `get_label_studio_access_token`).
 *
 * Label Studio has two kinds of API key:
 * - a legacy token (opaque string), sent as `Authorization: Token <key>`;
 * - a Personal Access Token (PAT), which is a JWT *refresh* token. It is never sent to media
 *   endpoints itself: it is exchanged at `POST {base}/api/token/refresh/` for a short-lived JWT
 *   access token, sent as `Authorization: Bearer <access>`.
 *
 * `LabelStudioTokenProvider` hides that difference: `getToken()` returns what to put after
 * `Token`/`Bearer` (see `authHeader`).
 */
import { MediaError } from './errors.js';
import { consoleWarnLogger, warnOnce, type MediaLogger } from './util.js';

/** Anything that can hand out the current LS token; `getLocalPath` accepts one. */
export interface AccessTokenSource {
  /** The value of the `Authorization` header for Label Studio requests, or null when no key is configured. */
  getToken(): Promise<string | undefined>;
}

/** The decoded payload of a JWT. */
export type JwtClaims = Record<string, unknown>;

const B64URL_SEGMENT = /^[A-Za-z0-9_-]*={0,2}$/;

function decodeSegment(segment: string): unknown {
  if (!B64URL_SEGMENT.test(segment)) return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * PyJWT's `get_unverified_header` succeeding: three dot-separated base64url segments, the first
 * a JSON object (with a string `kid` if any). The signature is not checked; this only decides
 * between `Bearer` and `Token`.
 */
export function isJwtWellFormed(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const [header, payload, signature] = parts as [string, string, string];
  if (!B64URL_SEGMENT.test(payload) || !B64URL_SEGMENT.test(signature)) return false;
  const h = decodeSegment(header);
  if (!isPlainObject(h)) return false;
  return h.kid === undefined || typeof h.kid === 'string';
}

/** The JWT payload without verifying the signature, or `undefined` if it is not a JWT. */
export function decodeJwtClaims(token: string): JwtClaims | undefined {
  if (!isJwtWellFormed(token)) return undefined;
  const payload = decodeSegment(token.split('.')[1] ?? '');
  return isPlainObject(payload) ? payload : undefined;
}

/** Expiry of a JWT in epoch milliseconds, if it has a numeric `exp`. */
export function jwtExpiresAt(token: string): number | undefined {
  const exp = decodeJwtClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

/**
 * Whether `key` is a PAT that must be exchanged. Like the Python SDK (`TokensClientExt`), a JWT
 * counts only when it has an `exp` in the future; an expired or `exp`-less JWT is treated as a
 * legacy key. We additionally pass through JWTs that say `token_type: "access"`, so an access token
 * handed to us (e.g. by `/setup`) is used as is instead of being "refreshed".
 */
export function isPersonalAccessToken(key: string, nowMs: number = Date.now()): boolean {
  const claims = decodeJwtClaims(key);
  if (!claims || claims.token_type === 'access') return false;
  const exp = claims.exp;
  return typeof exp === 'number' && exp * 1000 > nowMs;
}

/** `Bearer <t>` for a well-formed JWT, else `Token <t>` (Python `_build_headers`). */
export function authHeader(token: string): string {
  return (isJwtWellFormed(token) ? 'Bearer ' : 'Token ') + token;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/**
 * LS base URL for API calls: `LABEL_STUDIO_URL`, then `LABEL_STUDIO_HOST`, then `HOSTNAME`,
 * trailing slashes removed.
 *
 * Docker quirk: Docker sets `HOSTNAME` in every container to the container id (`3f2a9c1b7e4d`),
 * so Python, which takes `HOSTNAME` unconditionally, ends up with a client pointed at a bogus
 * host whenever `LABEL_STUDIO_URL` is unset. We only take `HOSTNAME` when it looks like an
 * `http(s)://` URL (which is how Label Studio itself uses the variable).
 */
export function resolveLabelStudioBaseUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const hostnameVar = nonEmpty(env.HOSTNAME);
  const url =
    nonEmpty(env.LABEL_STUDIO_URL) ??
    nonEmpty(env.LABEL_STUDIO_HOST) ??
    (hostnameVar !== undefined && /^https?:\/\//i.test(hostnameVar) ? hostnameVar : undefined);
  return url?.replace(/\/+$/, '');
}

/** LS API key: `LABEL_STUDIO_API_KEY`, then `LABEL_STUDIO_ACCESS_TOKEN`. */
export function resolveLabelStudioApiKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return nonEmpty(env.LABEL_STUDIO_API_KEY) ?? nonEmpty(env.LABEL_STUDIO_ACCESS_TOKEN);
}

/** Options of {@link LabelStudioTokenProvider}. */
export interface LabelStudioTokenProviderOptions {
  /** LS base URL; default `resolveLabelStudioBaseUrl(env)`. */
  baseUrl?: string;
  /** Legacy token or PAT; default `resolveLabelStudioApiKey(env)`. */
  apiKey?: string;
  /** Where env vars are read from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Refresh this many seconds before the access token's `exp` (default 30). */
  skewSeconds?: number;
  /** Timeout for the refresh call (default 10 000 ms). */
  timeoutMs?: number;
  /** Clock in epoch milliseconds; tests move it forward. */
  now?: () => number;
  logger?: MediaLogger;
}

/**
 * Which Label Studio API key is configured: none, a legacy token, or a Personal Access Token (a JWT refresh token).
 */
export type TokenKind = 'none' | 'legacy' | 'personal-access-token';

/**
 * One per backend (or per LS instance): caches the exchanged access token until shortly before its
 * `exp` and makes concurrent callers share a single refresh request.
 *
 * Errors: a failed refresh throws `MediaError('TOKEN_REFRESH_FAILED' | 'TIMEOUT' | ...)`; the next
 * call tries again. Python raises too (`ApiError` from the SDK property).
 */
export class LabelStudioTokenProvider implements AccessTokenSource {
  readonly baseUrl: string | undefined;
  // Private so the secret does not show up when the provider is logged or inspected.
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch | undefined;
  readonly #skewMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #logger: MediaLogger;
  #access: string | undefined;
  #accessExpiresAt: number | undefined;
  #inflight: Promise<string> | undefined;

  constructor(options: LabelStudioTokenProviderOptions = {}) {
    const env = options.env ?? process.env;
    this.baseUrl = nonEmpty(options.baseUrl)?.replace(/\/+$/, '') ?? resolveLabelStudioBaseUrl(env);
    this.#apiKey = nonEmpty(options.apiKey) ?? resolveLabelStudioApiKey(env);
    this.#fetch = options.fetch;
    this.#skewMs = (options.skewSeconds ?? 30) * 1000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? consoleWarnLogger;
  }

  /** What kind of key was configured (evaluated now: a PAT past its `exp` reads as legacy, as in Python). */
  get tokenKind(): TokenKind {
    if (this.#apiKey === undefined) return 'none';
    return isPersonalAccessToken(this.#apiKey, this.#now()) ? 'personal-access-token' : 'legacy';
  }

  /** The token to send now: the legacy key as is, or a valid access token for a PAT. */
  async getToken(): Promise<string | undefined> {
    const key = this.#apiKey;
    if (key === undefined) return undefined;
    if (!isPersonalAccessToken(key, this.#now())) return key;
    if (this.baseUrl === undefined) {
      // Python falls back to the raw env key when it cannot build a client; LS will answer 401,
      // but that error is clearer at the request than a refusal here.
      warnOnce(
        this.#logger,
        'pat-without-base-url',
        'LABEL_STUDIO_API_KEY is a Personal Access Token but no Label Studio URL is set ' +
          '(LABEL_STUDIO_URL); it cannot be exchanged for an access token and is sent as is.',
      );
      return key;
    }
    if (this.#access !== undefined && this.#accessExpiresAt !== undefined && this.#now() < this.#accessExpiresAt - this.#skewMs) {
      return this.#access;
    }
    this.#inflight ??= this.#refresh(key, this.baseUrl).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Forget the cached access token (e.g. after LS answered 401), so the next call refreshes. */
  invalidate(): void {
    this.#access = undefined;
    this.#accessExpiresAt = undefined;
  }

  async #refresh(refresh: string, baseUrl: string): Promise<string> {
    if (!/^https?:\/\//i.test(baseUrl)) {
      throw new MediaError(
        'INVALID_HOSTNAME',
        `Invalid Label Studio URL: ${baseUrl}. Please provide full URL starting with protocol (http:// or https://).`,
      );
    }
    const url = `${baseUrl}/api/token/refresh/`;
    const fetchImpl = this.#fetch ?? globalThis.fetch;
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ refresh }),
        signal,
      });
    } catch (err) {
      if (signal.aborted) {
        throw new MediaError('TIMEOUT', `Timed out after ${this.#timeoutMs} ms refreshing the Label Studio access token at ${url}`, { url, cause: err });
      }
      throw new MediaError('NETWORK_ERROR', `Could not reach ${url} to refresh the Label Studio access token: ${String(err)}`, { url, cause: err });
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      // The body is LS's error detail (e.g. "Token is invalid or expired"); the key itself is never echoed.
      throw new MediaError(
        'TOKEN_REFRESH_FAILED',
        `Label Studio refused to refresh the access token (HTTP ${res.status} from ${url}): ${text.slice(0, 200)}`,
        { status: res.status, url },
      );
    }
    let access: unknown;
    try {
      access = (JSON.parse(text) as { access?: unknown }).access;
    } catch {
      access = undefined;
    }
    if (typeof access !== 'string' || access === '') {
      throw new MediaError('TOKEN_REFRESH_FAILED', `Label Studio answered ${url} without an "access" token`, { status: res.status, url });
    }
    this.#access = access;
    // No `exp`: not cacheable, so the next call refreshes again (Python does the same).
    this.#accessExpiresAt = jwtExpiresAt(access);
    return access;
  }
}

// getLocalPath exchanges PATs itself when the caller gives no provider; one provider per
// (fetch, base URL, key) keeps its cache alive across calls.
const sharedProviders = new WeakMap<typeof fetch, Map<string, LabelStudioTokenProvider>>();

/** @internal A process-wide provider for this base URL and key, so calls share the cached access token. */
export function sharedTokenProvider(
  baseUrl: string | undefined,
  apiKey: string,
  fetchImpl: typeof fetch | undefined,
  logger: MediaLogger | undefined,
): LabelStudioTokenProvider {
  const f = fetchImpl ?? globalThis.fetch;
  let byKey = sharedProviders.get(f);
  if (!byKey) {
    byKey = new Map();
    sharedProviders.set(f, byKey);
  }
  const id = `${baseUrl ?? ''}\u0000${apiKey}`;
  let provider = byKey.get(id);
  if (!provider) {
    provider = new LabelStudioTokenProvider({ baseUrl, apiKey, fetch: f, env: {}, ...(logger ? { logger } : {}) });
    byKey.set(id, provider);
  }
  return provider;
}
