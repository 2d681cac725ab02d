// The hardened downloader: GET with a browser-like User-Agent, redirects followed by hand so the Label
// Studio token only ever goes to LS's own host:port (a presign redirect to S3 must not carry it), a
// size limit checked on the declared length and on every chunk, one time limit for redirects and body,
// TLS errors explained, and files written atomically (temp file + rename).
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { authHeader } from './access-token.js';
import { MediaError, isMediaError } from './errors.js';
import { DEFAULT_USER_AGENT, MAX_REDIRECTS, type Context } from './fetch-context.js';
import type { RemoteTarget, Resolved } from './resolve-reference.js';
import { warnOnce } from './util.js';

/** Parse `url` and accept only http(s): anything else is a MediaError (`INVALID_URL`, `UNSUPPORTED_SCHEME`). */
export function checkHttpUrl(url: string): URL {
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

/** The `TOO_LARGE` error for `url` over `maxBytes`. */
export function tooLarge(url: string, maxBytes: number): MediaError {
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

/** A unique temp name beside `target` (same file system, so the final rename is atomic). */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.part`);
}

/** Streams `url` into `target` via a temp file + rename, so readers never see a partial file. */
export async function downloadToFile(url: string, target: string, ctx: Context): Promise<void> {
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

/** Downloads `url` into memory (bounded by `maxBytes`). */
export async function downloadToBuffer(url: string, ctx: Context): Promise<Buffer> {
  const dl = await startDownload(url, ctx);
  const chunks: Uint8Array[] = [];
  await consumeBody(dl, ctx, (chunk) => {
    chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

/** Runs the primary download and, on an HTTP error only (as Python), the upload fallback. */
export async function withFallback<T>(
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
        status: err.upstreamStatus,
        url: err.url,
        cause: fbErr,
      });
    }
  }
}
