// The settings every media fetch shares (PROTOCOL.md §6.6, §6.7): Label Studio's base URL, the token
// (given, from a provider, or from the environment; a PAT exchanged for an access token only when LS is
// contacted), the size and time limits, and VERIFY_SSL.
import { isPersonalAccessToken, resolveLabelStudioApiKey, sharedTokenProvider, type AccessTokenSource } from './access-token.js';
import { MediaError } from './errors.js';
import { consoleWarnLogger, getLsEnv, parseBoolEnv, warnOnce, type MediaLogger } from './util.js';

/** Same string as Python: some hosts (Wikimedia, ...) refuse requests without a browser-like agent. */
export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.97 Safari/537.36';
/** 512 MiB: big enough for videos, small enough that a runaway URL cannot fill the disk. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;
/** Whole download, all redirects and the body included. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 5 * 60 * 1000;
/** Redirect hops followed by hand before a download fails. */
export const MAX_REDIRECTS = 10;

/** Options of every media fetch: where Label Studio is, how to authenticate, and the download limits. */
export interface MediaFetchOptions {
  /** LS base URL (`http(s)://host[:port][/prefix]`); default `LABEL_STUDIO_URL`, then `LABEL_STUDIO_HOST`. */
  hostname?: string;
  /**
   * LS token (legacy key, PAT or access token). Default: `tokenProvider`, then `LABEL_STUDIO_API_KEY`,
   * then `LABEL_STUDIO_ACCESS_TOKEN`. A PAT is exchanged for an access token before use.
   */
  accessToken?: string;
  /** Used when `accessToken` is not given, e.g. the model's `LabelStudioTokenProvider`. */
  tokenProvider?: AccessTokenSource;
  /** LS task id; required for cloud URIs (`s3://`, `gs://`, `azure-blob://`). */
  taskId?: number | string | null;
  /** Where env vars are read from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Largest body accepted, in bytes (default 512 MiB). */
  maxBytes?: number;
  /** Time limit for one download including redirects and body (default 5 min). */
  timeoutMs?: number;
  /**
   * TLS verification; default from `VERIFY_SSL` (`LABEL_STUDIO_`/`HEARTEX_` prefixes too), true if unset.
   * Node's built-in fetch cannot turn verification off per request, so `false` only logs a warning
   * (once) and certificate errors get a hint. To really accept a private CA, set
   * `NODE_EXTRA_CA_CERTS=/path/ca.pem` (preferred) or `NODE_TLS_REJECT_UNAUTHORIZED=0` for the
   * process, or pass a `fetch` that does what you need.
   */
  verifySsl?: boolean;
  /** Default: warnings to stderr. */
  logger?: MediaLogger;
}

/** One call's resolved settings: env, LS host, token (lazily, a PAT exchanged once), limits, TLS. */
export interface Context {
  env: NodeJS.ProcessEnv;
  hostname: string;
  logger: MediaLogger;
  fetchImpl: typeof fetch;
  customFetch: boolean;
  token: () => Promise<string | undefined>;
  /** Whether a token is configured at all, without exchanging a PAT (that waits until LS is contacted). */
  hasToken: () => Promise<boolean>;
  maxBytes: number;
  timeoutMs: number;
  verifySsl: () => boolean;
}

/** Resolve `MediaFetchOptions` against the environment (validates the LS hostname up front). */
export function makeContext(o: MediaFetchOptions): Context {
  const env = o.env ?? process.env;
  const logger = o.logger ?? consoleWarnLogger;
  const hostname = o.hostname || env.LABEL_STUDIO_URL || env.LABEL_STUDIO_HOST || '';
  if (hostname.includes('localhost')) {
    warnOnce(
      logger,
      `localhost:${hostname}`,
      `Using \`localhost\` (${hostname}) in LABEL_STUDIO_URL, \`localhost\` is not accessible inside of docker containers. ` +
        'You can check your IP with utilities like `ifconfig` and set it as LABEL_STUDIO_URL.',
    );
  }
  if (hostname && !/^https?:\/\//i.test(hostname)) {
    throw new MediaError(
      'INVALID_HOSTNAME',
      `Invalid hostname in LABEL_STUDIO_URL: ${hostname}. Please provide full URL starting with protocol (http:// or https://).`,
    );
  }
  const fetchImpl = o.fetch ?? globalThis.fetch;
  // Resolved lazily and once: a PAT exchange is a network call we only want when LS is contacted.
  let tokenPromise: Promise<string | undefined> | undefined;
  const token = (): Promise<string | undefined> => {
    tokenPromise ??= (async () => {
      if (o.accessToken) return exchangeIfPat(o.accessToken);
      const fromProvider = o.tokenProvider ? await o.tokenProvider.getToken() : undefined;
      if (fromProvider) return fromProvider;
      const fromEnv = resolveLabelStudioApiKey(env);
      return fromEnv ? exchangeIfPat(fromEnv) : undefined;
    })();
    return tokenPromise;
  };
  const exchangeIfPat = (key: string): Promise<string | undefined> =>
    isPersonalAccessToken(key)
      ? sharedTokenProvider(hostname ? hostname.replace(/\/+$/, '') : undefined, key, o.fetch, o.logger).getToken()
      : Promise.resolve(key);
  const hasToken = async (): Promise<boolean> => {
    if (o.accessToken) return true;
    if (o.tokenProvider && (await token())) return true;
    return resolveLabelStudioApiKey(env) !== undefined;
  };
  let verify: boolean | undefined = o.verifySsl;
  const verifySsl = (): boolean => {
    if (verify === undefined) {
      const raw = getLsEnv(env, 'VERIFY_SSL');
      try {
        verify = raw === undefined ? true : parseBoolEnv(raw);
      } catch (err) {
        throw new MediaError('INVALID_ENV', `VERIFY_SSL: ${(err as Error).message}`);
      }
    }
    return verify;
  };
  return {
    env,
    hostname,
    logger,
    fetchImpl,
    customFetch: o.fetch !== undefined,
    token,
    hasToken,
    maxBytes: o.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES,
    timeoutMs: o.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
    verifySsl,
  };
}
