/**
 * Small helpers shared by the media modules. Several of them copy Python stdlib semantics
 * (`urlsplit`, `os.path.basename`, `parse_qs`, appdirs) because cache file names and URL
 * classification must come out the same as in the Python SDK.
 */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** What the media helpers log. A pino `Logger` fits, and so does `console`. */
export interface MediaLogger {
  /** Log a warning. */
  warn(msg: string): void;
  /** Log an info message. */
  info?(msg: string): void;
  /** Log a debug message. */
  debug?(msg: string): void;
}

/** Default: warnings to stderr, nothing else (Python's logger defaults to WARNING too). */
export const consoleWarnLogger: MediaLogger = {
  warn: (msg) => console.warn(`[lsml/media] ${msg}`),
};

const warnedOnce = new Set<string>();
/** Some warnings (localhost hostname, VERIFY_SSL) would otherwise repeat for every file of every task. */
export function warnOnce(logger: MediaLogger, key: string, msg: string): void {
  if (warnedOnce.has(key)) return;
  warnedOnce.add(key);
  logger.warn(msg);
}

export interface SplitUrl {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Python's `urllib.parse.urlsplit`, the parts we need. Unlike WHATWG `URL` it accepts relative
 * URLs (`/data/upload/1/x.jpg`) and leaves percent-escapes alone, which matters because the raw
 * path feeds the cache file name.
 */
export function urlSplit(url: string): SplitUrl {
  let rest = url;
  let scheme = '';
  const m = SCHEME_RE.exec(rest);
  if (m?.[1] !== undefined) {
    scheme = m[1].toLowerCase();
    rest = rest.slice(m[0].length);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const after = rest.slice(2);
    const end = after.search(/[/?#]/);
    netloc = end === -1 ? after : after.slice(0, end);
    rest = end === -1 ? '' : after.slice(end);
  }
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash !== -1) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query = '';
  const q = rest.indexOf('?');
  if (q !== -1) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  return { scheme, netloc, path: rest, query, fragment };
}

/** Python's `os.path.basename` on POSIX: everything after the last `/` (`"a/b/"` gives `""`, unlike Node's). */
export function basenamePosix(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Python's `concat_urls`: exactly one slash between base and path. */
export function concatUrls(base: string, url: string): string {
  return base.replace(/\/+$/, '') + '/' + url.replace(/^\/+/, '');
}

/** First non-blank value of `name`, decoded like Python's `parse_qs` (`+` is a space). */
export function firstQueryParam(query: string, name: string): string | undefined {
  if (!query) return undefined;
  return new URLSearchParams(query).getAll(name).find((v) => v !== '');
}

/**
 * Python's `get_env(name)`: `LABEL_STUDIO_<name>`, then `HEARTEX_<name>`, then `<name>`.
 * Empty values count as unset (Python would take `""`, which only ever produces broken paths).
 */
export function getLsEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  for (const key of [`LABEL_STUDIO_${name}`, `HEARTEX_${name}`, name]) {
    const v = env[key];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Python's `cast_bool_from_str`, including its error for anything else. */
export function parseBoolEnv(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'not', 'off', '0'].includes(v)) return false;
  throw new Error(`Incorrect bool value "${value}". It should be one of [1, 0, true, false, yes, no]`);
}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

const APP = 'label-studio';

/** appdirs `user_cache_dir("label-studio")`: `~/.cache/label-studio` on Linux. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'darwin') return path.join(homeDir(env), 'Library', 'Caches', APP);
  if (process.platform === 'win32') {
    return path.join(env.LOCALAPPDATA || path.join(homeDir(env), 'AppData', 'Local'), APP, APP, 'Cache');
  }
  return path.join(env.XDG_CACHE_HOME || path.join(homeDir(env), '.cache'), APP);
}

/** appdirs `user_data_dir("label-studio")`: `~/.local/share/label-studio` on Linux. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'darwin') return path.join(homeDir(env), 'Library', 'Application Support', APP);
  if (process.platform === 'win32') {
    return path.join(env.LOCALAPPDATA || path.join(homeDir(env), 'AppData', 'Local'), APP, APP);
  }
  return path.join(env.XDG_DATA_HOME || path.join(homeDir(env), '.local', 'share'), APP);
}

/** True when `child` is `parent` or below it (both made absolute). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

/** Whether `p` is an existing regular file. */
export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Whether anything exists at `p`. */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
