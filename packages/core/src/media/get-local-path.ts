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
 *
 * This module is the public face; the work is in resolve-reference.ts (which reference, where from),
 * download.ts (the hardened downloader), media-cache.ts (cache names, one download per file) and
 * fetch-context.ts (LS host, token, limits).
 */
import { readFile, stat } from 'node:fs/promises';
import { downloadToBuffer, tooLarge, withFallback } from './download.js';
import { makeContext, type MediaFetchOptions } from './fetch-context.js';
import { cacheLocalFile, cacheRemoteFile } from './media-cache.js';
import { resolveMedia, type ResolveReferenceOptions } from './resolve-reference.js';
import { userCacheDir } from './util.js';

/** Options of {@link getLocalPath}: the fetch settings, the task, where uploads live, and the cache. */
export interface GetLocalPathOptions extends MediaFetchOptions, ResolveReferenceOptions {
  /** Download directory; default `~/.cache/label-studio` (appdirs user cache dir). */
  cacheDir?: string;
  /** When false, nothing is downloaded and the would-be cache path is returned (default true). */
  downloadResources?: boolean;
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
    if (resolved.cacheKey !== undefined && options.cacheDir && downloadResources) return cacheLocalFile(resolved.path, resolved.cacheKey, options.cacheDir);
    return resolved.path;
  }
  return cacheRemoteFile(resolved, options.cacheDir || userCacheDir(ctx.env), ctx, downloadResources);
}

/** Options of {@link getBase64Content}: the fetch settings and where uploads live (nothing is cached). */
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
