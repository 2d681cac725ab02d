// Reference resolution (Python `get_local_path` steps 1–6, PROTOCOL.md §6.7): classify a task's media
// reference — uploaded file, local-storage file, cloud URI, storage proxy, http(s) URL, local path —
// and decide where its bytes come from: a local file, or a URL on Label Studio (with the token) or
// elsewhere. No bytes are read here; download.ts fetches, media-cache.ts names and shares the cache.
import path from 'node:path';
import { checkHttpUrl } from './download.js';
import { MediaError } from './errors.js';
import type { Context } from './fetch-context.js';
import { basenamePosix, concatUrls, exists, firstQueryParam, getLsEnv, isFile, isInside, urlSplit, userDataDir } from './util.js';

/** What resolution needs beyond the fetch settings: the task (cloud URIs) and where uploads live. */
export interface ResolveReferenceOptions {
  /** LS task id; required for cloud URIs (`s3://`, `gs://`, `azure-blob://`). */
  taskId?: number | string | null;
  /** LS project dir; its `upload/` is checked for uploaded files. */
  projectDir?: string;
  /** Upload dir to check; default `<projectDir>/upload` or `~/.local/share/label-studio/media/upload`. */
  imageDir?: string;
}

/** `fileuri` for the presign endpoint: URL-safe base64 with `=` padding (Python `urlsafe_b64encode`). */
export function encodePresignFileUri(uri: string): string {
  // Node's 'base64url' drops the padding; Python keeps it, and the cache/LS side expect Python's form.
  return Buffer.from(uri, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
/** A remote file: the URL to GET, the file name and the cache key of its cache file. */
export interface RemoteTarget {
  url: string;
  filename: string;
  cacheKey: string;
}

/** Where a reference's bytes come from: a local file, or a remote URL (with an optional fallback URL). */
export type Resolved =
  | { type: 'file'; path: string; /** local-storage files are copied into an explicit cacheDir under this key */ cacheKey?: string }
  | { type: 'remote'; primary: RemoteTarget; fallback?: RemoteTarget };

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
export async function resolveMedia(
  rawUrl: string,
  o: ResolveReferenceOptions,
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
