// The media cache: file names compatible with the Python SDK's cache, one download per cache file at a
// time, and the two ways a file enters the cache (a local-storage file copied in, a remote file
// downloaded with the upload fallback).
import { createHash } from 'node:crypto';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { downloadToFile, tempPathFor, withFallback } from './download.js';
import type { Context } from './fetch-context.js';
import type { RemoteTarget, Resolved } from './resolve-reference.js';
import { exists } from './util.js';

/** Python: `md5(key)[:8] + "__" + filename`, so caches are interchangeable with the Python SDK. */
export function cacheFileName(key: string, filename: string): string {
  return createHash('md5').update(key, 'utf8').digest('hex').slice(0, 8) + '__' + filename;
}
// Concurrent calls for the same cache file (e.g. several tasks sharing an image) download it once.
const inflight = new Map<string, Promise<string>>();

/** Run `run` once per `key` at a time: concurrent callers share its promise. */
export function once(key: string, run: () => Promise<string>): Promise<string> {
  let p = inflight.get(key);
  if (!p) {
    p = run().finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

/** Copy a local file into `cacheDir` under `cacheKey`'s name (once), and return the cached path. */
export function cacheLocalFile(file: string, cacheKey: string, cacheDir: string): Promise<string> {
  const target = path.join(cacheDir, cacheFileName(cacheKey, path.basename(file)));
  return once(target, async () => {
    if (!(await exists(target))) {
      await mkdir(cacheDir, { recursive: true });
      const tmp = tempPathFor(target);
      try {
        await copyFile(file, tmp);
        await rename(tmp, target);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    }
    return target;
  });
}

/**
 * The cache file of a remote reference: returned at once when present (or when `download` is false,
 * the would-be path), else downloaded (once), trying the fallback URL on an HTTP error unless its own
 * cache file is already there.
 */
export async function cacheRemoteFile(resolved: Extract<Resolved, { type: 'remote' }>, cacheDir: string, ctx: Context, download: boolean): Promise<string> {
  const cachePathOf = (t: RemoteTarget): string => path.join(cacheDir, cacheFileName(t.cacheKey, t.filename));
  const primaryPath = cachePathOf(resolved.primary);
  if (await exists(primaryPath)) return primaryPath;
  if (!download) return primaryPath;

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
