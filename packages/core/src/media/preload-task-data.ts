/**
 * `isPreloadNeeded` / `preloadTaskData` (PROTOCOL.md §6.7): replace media references in task data
 * with the referenced file's content (or local path), e.g. for text models whose `<Text>` value is
 * an uploaded `.txt` file.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { getLocalPath, type GetLocalPathOptions } from './get-local-path.js';
import { urlSplit } from './util.js';

/**
 * Python `is_preload_needed`: true for uploaded (`upload/...`, `/data/upload/...`), local-storage
 * (`/data/...?d=`) and cloud (`s3:`, `gs:`, `azure-blob:`) references, for anything with both a
 * scheme and a host (`http://...`, also `ftp://...`, which `getLocalPath` then rejects), and for
 * paths that exist on the local filesystem.
 */
export function isPreloadNeeded(value: string): boolean {
  let url = value;
  if (url.startsWith('upload') || url.startsWith('/upload')) {
    url = '/data' + (url.startsWith('/') ? '' : '/') + url;
  }
  if (url.startsWith('/data/upload')) return true;
  if (url.startsWith('/data/') && url.includes('?d=')) return true;
  if (url.startsWith('s3:') || url.startsWith('gs:') || url.startsWith('azure-blob:')) return true;
  const { scheme, netloc } = urlSplit(url);
  if (scheme && netloc) return true;
  // Sync like Python's os.path.exists; existsSync never throws (long texts just give false).
  return existsSync(url);
}

/** What `preloadTaskData` needs from a task: its id (for cloud URIs) and data. */
export interface PreloadTask {
  id?: number | string | null;
  data?: unknown;
}

/** Options of {@link preloadTaskData}. */
export interface PreloadTaskDataOptions extends Omit<GetLocalPathOptions, 'taskId'> {
  /** Replace references with the file content (default) or, when false, with the local path. */
  readFile?: boolean;
  /** Text encoding for the content (default `utf8`, what Python's `open(path, 'r')` gives on Linux). */
  encoding?: BufferEncoding;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Walk `value` (default `task.data`) through objects and arrays; every string for which
 * `isPreloadNeeded` holds is resolved with `getLocalPath(s, { taskId: task.id, ... })` and replaced
 * by the file's text (or its path with `readFile: false`). Everything else is kept.
 *
 * Unlike Python, the input is never mutated: a new structure is returned (Python rewrites dicts in
 * place, so callers had to deep-copy first). Strings are processed one after another, as in Python,
 * so a task with many files does not open many connections to Label Studio at once.
 */
export function preloadTaskData<D>(task: PreloadTask & { data?: D }, value?: undefined, options?: PreloadTaskDataOptions): Promise<D>;
export function preloadTaskData<T>(task: PreloadTask, value: T, options?: PreloadTaskDataOptions): Promise<T>;
export async function preloadTaskData(task: PreloadTask, value?: unknown, options: PreloadTaskDataOptions = {}): Promise<unknown> {
  const { readFile: read = true, encoding = 'utf8', ...localPathOptions } = options;
  const taskId = task.id ?? undefined;

  const walk = async (v: unknown): Promise<unknown> => {
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v) out.push(await walk(item));
      return out;
    }
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        // defineProperty: a JSON key named "__proto__" must stay data, not become the prototype.
        Object.defineProperty(out, key, { value: await walk(item), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    if (typeof v === 'string' && isPreloadNeeded(v)) {
      const filepath = await getLocalPath(v, { ...localPathOptions, taskId });
      return read ? readFile(filepath, encoding) : filepath;
    }
    return v;
  };

  return walk(value === undefined ? task.data : value);
}
