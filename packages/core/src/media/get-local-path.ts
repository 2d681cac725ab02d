/**
 * `getLocalPath` / `getBase64Content`: turn a task's media reference into a local file (or its
 * bytes), following the Python SDK's `get_local_path` (PROTOCOL.md §6.7) step by step.
 *
 * Reference kinds (after `upload/...` is normalised to `/data/upload/...`):
 * - uploaded       `/data/upload/<project>/<file>`   → local upload dir, else LS storage proxy with
 *                                                     `/data/upload/...` as fallback
 * - local storage  `/data/local-files/?d=<path>`     → `LOCAL_FILES_DOCUMENT_ROOT/<path>`, else LS
 * - cloud          `s3:` `gs:` `azure-blob:`         → LS `/tasks/<id>/presign/?fileuri=<base64url>`
 * - storage proxy  `/storage-data/uploaded?filepath` → LS
 * - http(s) URL                                      → fetched directly
 * - existing local file path                         → returned as is (Python tries an HTTP GET: Q24)
 *
 * Differences from Python, all deliberate:
 * - existing local paths are returned directly (Q24); other non-http(s) schemes are rejected;
 * - `?d=` paths are also tried percent-decoded (LS quotes them); either form escaping the root is rejected;
 * - downloads are atomic (temp file + rename), size-bounded and time-bounded, and concurrent calls
 *   for the same file share one download;
 * - redirects are followed by hand so the LS token is only ever sent to the LS host:port
 *   (a presign redirect to S3 must not carry it);
 * - a PAT (from options or env) is exchanged for an access token instead of being sent raw;
 * - an uploaded file found in the local upload dir is not also copied into `cacheDir` (Python
 *   copies it and then returns the original path anyway);
 * - `VERIFY_SSL=false` cannot be honoured by Node's built-in fetch (see `GetLocalPathOptions.verifySsl`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  authHeader,
  isPersonalAccessToken,
  resolveLabelStudioApiKey,
  sharedTokenProvider,
  type AccessTokenSource,
} from './access-token.js';
import { MediaError, isMediaError } from './errors.js';
import {
  basenamePosix,
  concatUrls,
  consoleWarnLogger,
  firstQueryParam,
  getLsEnv,
  isInside,
  parseBoolEnv,
  urlSplit,
  userCacheDir,
  userDataDir,
  warnOnce,
  type MediaLogger,
} from './util.js';

/** Same string as Python: some hosts (Wikimedia, ...) refuse requests without a browser-like agent. */
export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.97 Safari/537.36';
/** 512 MiB: big enough for videos, small enough that a runaway URL cannot fill the disk. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;
/** Whole download, all redirects and the body included. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 5 * 60 * 1000;
const MAX_REDIRECTS = 10;

/** How media URLs are fetched: the Label Studio host and key, timeouts and size limits. */
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

/** Options of {@link getLocalPath}. */
export interface GetLocalPathOptions extends MediaFetchOptions {
  /** Download directory; default `~/.cache/label-studio` (appdirs user cache dir). */
  cacheDir?: string;
  /** LS project dir; its `upload/` is checked for uploaded files. */
  projectDir?: string;
  /** Upload dir to check; default `<projectDir>/upload` or `~/.local/share/label-studio/media/upload`. */
  imageDir?: string;
  /** When false, nothing is downloaded and the would-be cache path is returned (default true). */
  downloadResources?: boolean;
}

/** Python: `md5(key)[:8] + "__" + filename`, so caches are interchangeable with the Python SDK. */
export function cacheFileName(key: string, filename: string): string {
  return createHash('md5').update(key, 'utf8').digest('hex').slice(0, 8) + '__' + filename;
}

/** `fileuri` for the presign endpoint: URL-safe base64 with `=` padding (Python `urlsafe_b64encode`). */
export function encodePresignFileUri(uri: string): string {
  // Node's 'base64url' drops the padding; Python keeps it, and the cache/LS side expect Python's form.
  return Buffer.from(uri, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

interface RemoteTarget {
  url: string;
  filename: string;
  cacheKey: string;
}

type Resolved =
  | { type: 'file'; path: string; /** local-storage files are copied into an explicit cacheDir under this key */ cacheKey?: string }
  | { type: 'remote'; primary: RemoteTarget; fallback?: RemoteTarget };

interface Context {
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

function makeContext(o: MediaFetchOptions): Context {
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

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Python `safe_build_path`, with a message that says which root was escaped. */
function safeBuildPath(root: string, userPath: string): string {
  // path.resolve, like os.path.join, lets an absolute userPath replace the root; the check below rejects it.
  const abs = path.resolve(root, userPath);
  if (!isInside(root, abs)) {
    throw new MediaError(
      'PATH_ESCAPE',
      `Invalid path: ${userPath} (resolves to ${abs}, outside LOCAL_FILES_DOCUMENT_ROOT ${path.resolve(root)})`,
    );
  }
  return abs;
}

const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

/** Python `get_local_path` steps 1–6: classify the reference and decide where the bytes come from. */
async function resolveMedia(
  rawUrl: string,
  o: GetLocalPathOptions,
  ctx: Context,
  missingHostMessage: (url: string) => string,
): Promise<Resolved> {
  const { env, hostname } = ctx;
  let url = rawUrl;
  if (url.startsWith('upload') || url.startsWith('/upload')) {
    url = '/data' + (url.startsWith('/') ? '' : '/') + url;
  }
  let isUploaded = url.startsWith('/data/upload');
  const isLocalStorage = url.startsWith('/data/') && url.includes('?d=');
  const isCloud = url.startsWith('s3:') || url.startsWith('gs:') || url.startsWith('azure-blob:');
  let parsed = urlSplit(url);
  let storageFilepath = firstQueryParam(parsed.query, 'filepath');
  let isStorageData = parsed.path.startsWith('/storage-data/uploaded') || parsed.path.startsWith('storage-data/uploaded');

  if (!isUploaded && !isLocalStorage && !isCloud && !isStorageData) {
    return resolvePlain(url);
  }

  if (isLocalStorage) {
    const dPath = url.split('?d=')[1] ?? '';
    const root = getLsEnv(env, 'LOCAL_FILES_DOCUMENT_ROOT') ?? path.parse(process.cwd()).root;
    const candidates = [safeBuildPath(root, dPath)];
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(dPath);
    } catch {
      decoded = undefined; // malformed escapes: only the raw form is usable
    }
    // LS writes `?d=` percent-quoted; Python only tries it raw, so a name with a space never matched locally.
    if (decoded !== undefined && decoded !== dPath) candidates.push(safeBuildPath(root, decoded));
    for (const candidate of candidates) {
      if (await isFile(candidate)) return { type: 'file', path: candidate, cacheKey: url };
    }
  }

  if (isUploaded) {
    const imageDir =
      o.imageDir ?? (o.projectDir ? path.join(o.projectDir, 'upload') : path.join(userDataDir(env), 'media', 'upload'));
    if (await exists(imageDir)) {
      const segments = url.split('/');
      const projectId = segments[segments.length - 2] ?? '';
      const candidate = path.join(imageDir, projectId, basenamePosix(url));
      // Python does not check this; `/data/upload/../x` must not read files next to the upload dir.
      if (isInside(imageDir, candidate) && (await isFile(candidate))) return { type: 'file', path: candidate };
    }
  }

  // Uploaded files go through the storage proxy, which works whatever LS's default storage is;
  // `/data/upload/...` stays as the fallback for LS versions or setups without the proxy.
  let fallbackUrl: string | undefined;
  if (isUploaded && !isStorageData) {
    let uploadPath = url.replace(/^\/+/, '');
    if (uploadPath.startsWith('data/')) uploadPath = uploadPath.slice('data/'.length);
    storageFilepath = storageFilepath || uploadPath;
    url = `/storage-data/uploaded/?filepath=${storageFilepath}`;
    parsed = urlSplit(url);
    isStorageData = true;
    isUploaded = false;
    if (hostname) {
      fallbackUrl = concatUrls(hostname, uploadPath.startsWith('data/') ? '/' + uploadPath : '/data/' + uploadPath);
    }
  }

  if (!hostname) throw new MediaError('HOSTNAME_REQUIRED', missingHostMessage(url));
  const originalUri = url;
  if (isUploaded || isLocalStorage) {
    url = concatUrls(hostname, url);
  } else if (isCloud) {
    if (o.taskId === undefined || o.taskId === null) {
      throw new MediaError('TASK_ID_REQUIRED', 'Label Studio Task ID is required for cloud storage files');
    }
    url = concatUrls(hostname, `/tasks/${o.taskId}/presign/?fileuri=${encodePresignFileUri(url)}`);
  } else {
    url = concatUrls(hostname, parsed.path || '/storage-data/uploaded/') + (parsed.query ? '?' + parsed.query : '');
  }
  if (!(await ctx.hasToken())) {
    throw new MediaError(
      'TOKEN_REQUIRED',
      'To access uploaded and local storage files you have to set LABEL_STUDIO_API_KEY environment variable.',
    );
  }

  // Step 7 naming: the cache key is the resolved URL, except for cloud URIs, whose key is the URI
  // itself so the cache does not depend on the task id or LS host.
  let filename: string;
  if (isLocalStorage) {
    filename = basenamePosix(url.split('?d=')[1] ?? '');
  } else if (isCloud) {
    filename = basenamePosix(originalUri);
  } else {
    const split = urlSplit(url);
    const sfp = storageFilepath || firstQueryParam(split.query, 'filepath');
    filename = basenamePosix(sfp ?? '') || basenamePosix(split.path);
  }
  const primary: RemoteTarget = { url, filename, cacheKey: isCloud ? originalUri : url };
  if (fallbackUrl === undefined) return { type: 'remote', primary };
  return {
    type: 'remote',
    primary,
    fallback: { url: fallbackUrl, filename: basenamePosix(urlSplit(fallbackUrl).path), cacheKey: fallbackUrl },
  };
}

/** Not an LS reference: an http(s) URL, or an existing local file (Q24, not copied). */
async function resolvePlain(url: string): Promise<Resolved> {
  const scheme = urlSplit(url).scheme;
  if (!scheme || (process.platform === 'win32' && WINDOWS_DRIVE.test(url))) {
    if (await isFile(url)) return { type: 'file', path: url };
    throw new MediaError('NOT_FOUND', `Can't resolve ${JSON.stringify(url)}: it is neither an http(s) URL nor an existing local file`);
  }
  checkHttpUrl(url);
  return { type: 'remote', primary: { url, filename: basenamePosix(urlSplit(url).path), cacheKey: url } };
}

function checkHttpUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new MediaError('INVALID_URL', `Invalid URL: ${url}`, { url, cause: err });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new MediaError(
      'UNSUPPORTED_SCHEME',
      `Unsupported URL scheme "${u.protocol}" in ${url}: only http:// and https:// URLs are downloaded`,
      { url },
    );
  }
  return u;
}

function effectivePort(u: URL): string {
  return u.port || (u.protocol === 'https:' ? '443' : '80');
}

/** The token goes only to LS's own host:port (hostname compared case-insensitively, default ports filled in). */
function isLabelStudioHost(target: URL, hostname: string): boolean {
  if (!hostname) return false;
  let ls: URL;
  try {
    ls = new URL(hostname);
  } catch {
    return false;
  }
  return target.hostname === ls.hostname && effectivePort(target) === effectivePort(ls);
}

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

interface Download {
  response: Response;
  url: string;
  abort: () => void;
  done: () => void;
}

/**
 * GET with our headers, following redirects by hand (each hop re-checked for scheme and for
 * whether it may carry the token). The caller reads the body, then calls `done()`.
 */
async function startDownload(startUrl: string, ctx: Context): Promise<Download> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ctx.timeoutMs);
  const done = (): void => clearTimeout(timer);
  const fail = (err: unknown, url: string): never => {
    done();
    if (isMediaError(err)) throw err;
    if (timedOut) throw new MediaError('TIMEOUT', `Timed out after ${ctx.timeoutMs} ms downloading ${url}`, { url, cause: err });
    const code = errorCode(err);
    const hint =
      code !== undefined && TLS_ERROR_CODES.has(code)
        ? ' (TLS certificate not trusted: set NODE_EXTRA_CA_CERTS to your CA bundle, or NODE_TLS_REJECT_UNAUTHORIZED=0 to disable verification)'
        : '';
    throw new MediaError('NETWORK_ERROR', `Failed to download ${url}: ${(err as Error).message ?? String(err)}${code ? ` [${code}]` : ''}${hint}`, {
      url,
      cause: err,
    });
  };

  let current = startUrl;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const target = checkHttpUrl(current);
      if (target.protocol === 'https:' && !ctx.customFetch && !ctx.verifySsl()) {
        warnOnce(
          ctx.logger,
          'verify-ssl',
          'VERIFY_SSL=false is not supported by Node\'s built-in fetch: certificates are still verified. ' +
            'Set NODE_EXTRA_CA_CERTS to your CA bundle (or NODE_TLS_REJECT_UNAUTHORIZED=0), or pass a custom fetch.',
        );
      }
      const headers: Record<string, string> = { 'User-Agent': DEFAULT_USER_AGENT };
      if (isLabelStudioHost(target, ctx.hostname)) {
        const token = await ctx.token();
        if (token) headers.Authorization = authHeader(token);
      }
      const res = await ctx.fetchImpl(target.href, { headers, redirect: 'manual', signal: controller.signal });
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        const location = res.headers.get('location');
        await res.body?.cancel().catch(() => undefined);
        if (!location) throw new MediaError('INVALID_URL', `Redirect without Location from ${target.href}`, { url: target.href });
        current = new URL(location, target).href;
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new MediaError('HTTP_ERROR', `HTTP ${res.status} ${res.statusText} downloading ${target.href}`, {
          status: res.status,
          url: target.href,
        });
      }
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > ctx.maxBytes) {
        controller.abort();
        throw tooLarge(target.href, ctx.maxBytes);
      }
      return { response: res, url: target.href, abort: () => controller.abort(), done };
    }
    throw new MediaError('INVALID_URL', `Too many redirects (>${MAX_REDIRECTS}) downloading ${startUrl}`, { url: startUrl });
  } catch (err) {
    return fail(err, current);
  }
}

function tooLarge(url: string, maxBytes: number): MediaError {
  return new MediaError('TOO_LARGE', `Download of ${url} exceeds the limit of ${maxBytes} bytes`, { url });
}

/** Reads the body chunk by chunk, aborting once it exceeds maxBytes. */
async function consumeBody(dl: Download, ctx: Context, onChunk: (chunk: Uint8Array) => Promise<void> | void): Promise<void> {
  let total = 0;
  try {
    const body = dl.response.body;
    if (body) {
      for await (const chunk of body) {
        total += chunk.byteLength;
        if (total > ctx.maxBytes) {
          dl.abort();
          throw tooLarge(dl.url, ctx.maxBytes);
        }
        await onChunk(chunk);
      }
    }
  } catch (err) {
    if (isMediaError(err)) throw err;
    const timeout = (err as { name?: string }).name === 'AbortError';
    throw new MediaError(
      timeout ? 'TIMEOUT' : 'NETWORK_ERROR',
      timeout ? `Timed out after ${ctx.timeoutMs} ms downloading ${dl.url}` : `Failed reading ${dl.url}: ${String(err)}`,
      { url: dl.url, cause: err },
    );
  } finally {
    dl.done();
  }
}

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.part`);
}

/** Streams `url` into `target` via a temp file + rename, so readers never see a partial file. */
async function downloadToFile(url: string, target: string, ctx: Context): Promise<void> {
  const dl = await startDownload(url, ctx);
  const tmp = tempPathFor(target);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, 'wx');
    const h = handle;
    await consumeBody(dl, ctx, async (chunk) => {
      await h.write(chunk);
    });
    await handle.close();
    handle = undefined;
    await rename(tmp, target);
  } catch (err) {
    dl.abort(); // e.g. the temp file could not be opened: drop the connection instead of leaving it open
    dl.done();
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

async function downloadToBuffer(url: string, ctx: Context): Promise<Buffer> {
  const dl = await startDownload(url, ctx);
  const chunks: Uint8Array[] = [];
  await consumeBody(dl, ctx, (chunk) => {
    chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

/** Runs the primary download and, on an HTTP error only (as Python), the upload fallback. */
async function withFallback<T>(
  resolved: Extract<Resolved, { type: 'remote' }>,
  attempt: (t: RemoteTarget) => Promise<T>,
  beforeFallback?: (t: RemoteTarget) => Promise<T | undefined>,
): Promise<T> {
  try {
    return await attempt(resolved.primary);
  } catch (err) {
    const fb = resolved.fallback;
    if (!fb || !isMediaError(err, 'HTTP_ERROR')) throw err;
    const early = beforeFallback ? await beforeFallback(fb) : undefined;
    if (early !== undefined) return early;
    try {
      return await attempt(fb);
    } catch (fbErr) {
      // Python re-raises the proxy error; we keep its code/status and mention the fallback too.
      throw new MediaError('HTTP_ERROR', `${err.message}; fallback ${fb.url} also failed: ${(fbErr as Error).message}`, {
        status: err.status,
        url: err.url,
        cause: fbErr,
      });
    }
  }
}

// Concurrent calls for the same cache file (e.g. several tasks sharing an image) download it once.
const inflight = new Map<string, Promise<string>>();

function once(key: string, run: () => Promise<string>): Promise<string> {
  let p = inflight.get(key);
  if (!p) {
    p = run().finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

/**
 * Resolve a task media reference to a local file path, downloading into the cache if needed
 * (Python `get_local_path`, §6.7). See the module comment for the kinds handled.
 *
 * @throws MediaError with the Python messages for a missing hostname, task id or token.
 */
export async function getLocalPath(url: string, options: GetLocalPathOptions = {}): Promise<string> {
  const ctx = makeContext(options);
  const downloadResources = options.downloadResources ?? true;
  const resolved = await resolveMedia(
    url,
    options,
    ctx,
    (u) => `Can't resolve url, neither hostname or project_dir passed: ${u}. You can set LABEL_STUDIO_URL environment variable to use it as a hostname.`,
  );

  if (resolved.type === 'file') {
    // Python copies a local-storage file into cache_dir only when one was passed explicitly.
    if (resolved.cacheKey !== undefined && options.cacheDir && downloadResources) {
      const cacheDir = options.cacheDir;
      const target = path.join(cacheDir, cacheFileName(resolved.cacheKey, path.basename(resolved.path)));
      return once(target, async () => {
        if (!(await exists(target))) {
          await mkdir(cacheDir, { recursive: true });
          const tmp = tempPathFor(target);
          try {
            await copyFile(resolved.path, tmp);
            await rename(tmp, target);
          } catch (err) {
            await rm(tmp, { force: true });
            throw err;
          }
        }
        return target;
      });
    }
    return resolved.path;
  }

  const cacheDir = options.cacheDir || userCacheDir(ctx.env);
  const cachePathOf = (t: RemoteTarget): string => path.join(cacheDir, cacheFileName(t.cacheKey, t.filename));
  const primaryPath = cachePathOf(resolved.primary);
  if (await exists(primaryPath)) return primaryPath;
  if (!downloadResources) return primaryPath;

  return once(primaryPath, async () => {
    await mkdir(cacheDir, { recursive: true });
    return withFallback(
      resolved,
      async (t) => {
        const target = cachePathOf(t);
        await downloadToFile(t.url, target, ctx);
        return target;
      },
      async (fb) => {
        const fbPath = cachePathOf(fb);
        return (await exists(fbPath)) ? fbPath : undefined;
      },
    );
  });
}

/** Options of {@link getBase64Content}. */
export type GetBase64ContentOptions = MediaFetchOptions & Pick<GetLocalPathOptions, 'projectDir' | 'imageDir'>;

/**
 * The referenced file as base64, without writing anything (Python `get_base64_content`).
 * Resolution is the same as `getLocalPath` (Python's copy differs slightly: it skips the
 * upload-dir lookup and the storage-proxy rewrite); local files are read directly.
 */
export async function getBase64Content(url: string, options: GetBase64ContentOptions = {}): Promise<string> {
  const ctx = makeContext(options);
  const resolved = await resolveMedia(
    url,
    options,
    ctx,
    (u) => `Can't resolve url, hostname not provided: ${u}. You can set LABEL_STUDIO_URL environment variable to use it as a hostname.`,
  );
  if (resolved.type === 'file') {
    const { size } = await stat(resolved.path);
    if (size > ctx.maxBytes) throw tooLarge(resolved.path, ctx.maxBytes);
    return (await readFile(resolved.path)).toString('base64');
  }
  const bytes = await withFallback(resolved, (t) => downloadToBuffer(t.url, ctx));
  return bytes.toString('base64');
}
