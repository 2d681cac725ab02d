import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MediaError } from './errors.js';
import { makePat, serveTokenRefresh, startFakeServer, text, type FakeServer } from './fake-label-studio.test-helper.js';
import { getBase64Content, getLocalPath, type GetLocalPathOptions } from './get-local-path.js';
import { cacheFileName } from './media-cache.js';
import { encodePresignFileUri } from './resolve-reference.js';

const md5_8 = (s: string) => createHash('md5').update(s).digest('hex').slice(0, 8);
const quiet = { warn: () => undefined };

async function rejection(p: Promise<unknown>): Promise<MediaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MediaError);
  return err as MediaError;
}

let ls: FakeServer; // stands in for Label Studio
let other: FakeServer; // some other host (different port)
let tmp: string;
let cacheDir: string;

beforeAll(async () => {
  ls = await startFakeServer();
  other = await startFakeServer();
  ls.on('GET', '/storage-data/uploaded/?filepath=upload/1/a.jpg', text('A-bytes'));
  ls.on('GET', '/storage-data/uploaded/?filepath=upload/1/b.jpg', text('proxy says no', 404));
  ls.on('GET', '/data/upload/1/b.jpg', text('B-bytes'));
  ls.on('GET', '/storage-data/uploaded/?filepath=upload/1/c.jpg', text('no', 404));
  ls.on('GET', '/data/upload/1/c.jpg', text('also no', 404));
  ls.on('GET', '/data/local-files/?d=dir/remote.txt', text('remote local-files'));
  ls.on('GET', (u) => u.startsWith('/tasks/42/presign/?fileuri='), (_req, res) => {
    res.writeHead(302, { Location: `${other.origin}/signed/photo.jpg?X-Amz-Signature=abc` }).end();
  });
  ls.on('GET', '/direct.txt', text('hello from ls'));
  ls.on('GET', '/big.bin', text('x'.repeat(2000)));
  ls.on('GET', '/chunked.bin', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' }); // no Content-Length
    res.write('y'.repeat(1500));
    res.end('y'.repeat(1500));
  });
  ls.on('GET', '/slow.txt', (_req, res) => {
    setTimeout(() => {
      if (!res.destroyed) res.writeHead(200).end('late');
    }, 1500);
  });
  other.on('GET', '/signed/photo.jpg?X-Amz-Signature=abc', text('photo-bytes'));
  other.on('GET', '/file.txt', text('hello from other'));
  other.on('GET', '/redirect-to-ls', (_req, res) => {
    res.writeHead(302, { Location: `${ls.origin}/direct.txt` }).end();
  });
  other.on('GET', '/redirect-to-file', (_req, res) => {
    res.writeHead(302, { Location: 'file:///etc/passwd' }).end();
  });
});

afterAll(async () => {
  await ls.close();
  await other.close();
});

beforeEach(async () => {
  ls.requests.length = 0;
  other.requests.length = 0;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lsml-media-'));
  cacheDir = path.join(tmp, 'cache');
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Options pointing at the fake LS with a legacy token; nothing read from the real environment. */
function opts(extra: GetLocalPathOptions = {}): GetLocalPathOptions {
  return {
    hostname: ls.origin,
    accessToken: 'legacy-token',
    cacheDir,
    imageDir: path.join(tmp, 'no-such-upload-dir'),
    env: {},
    logger: quiet,
    ...extra,
  };
}

describe('uploaded files', () => {
  it('rewrites upload/... to the storage proxy, with the token, and caches under md5(url)[:8]__name', async () => {
    const p = await getLocalPath('upload/1/a.jpg', opts());
    const resolved = `${ls.origin}/storage-data/uploaded/?filepath=upload/1/a.jpg`;
    expect(p).toBe(path.join(cacheDir, `${md5_8(resolved)}__a.jpg`));
    expect(await readFile(p, 'utf8')).toBe('A-bytes');
    expect(ls.requests.map((r) => r.url)).toEqual(['/storage-data/uploaded/?filepath=upload/1/a.jpg']);
    expect(ls.requests[0]?.headers.authorization).toBe('Token legacy-token');
    expect(ls.requests[0]?.headers['user-agent']).toMatch(/^Mozilla\/5\.0 .*Chrome/);
  });

  it('/data/upload/... takes the same route', async () => {
    const p = await getLocalPath('/data/upload/1/a.jpg', opts());
    expect(path.basename(p)).toBe(`${md5_8(`${ls.origin}/storage-data/uploaded/?filepath=upload/1/a.jpg`)}__a.jpg`);
  });

  it('falls back to /data/upload/... when the storage proxy answers an HTTP error', async () => {
    const p = await getLocalPath('/upload/1/b.jpg', opts());
    const fallback = `${ls.origin}/data/upload/1/b.jpg`;
    expect(p).toBe(path.join(cacheDir, `${md5_8(fallback)}__b.jpg`));
    expect(await readFile(p, 'utf8')).toBe('B-bytes');
    expect(ls.requests.map((r) => r.url)).toEqual(['/storage-data/uploaded/?filepath=upload/1/b.jpg', '/data/upload/1/b.jpg']);
    expect(ls.requests[1]?.headers.authorization).toBe('Token legacy-token');
    // A second call finds the fallback's cache file without touching the network.
    ls.requests.length = 0;
    expect(await getLocalPath('/upload/1/b.jpg', opts())).toBe(p);
    expect(ls.requests.map((r) => r.url)).toEqual(['/storage-data/uploaded/?filepath=upload/1/b.jpg']);
  });

  it('reports the proxy error when the fallback fails too, and leaves no files behind', async () => {
    const err = await rejection(getLocalPath('upload/1/c.jpg', opts()));
    expect(err.code).toBe('HTTP_ERROR');
    expect(err.status).toBe(404);
    expect(err.message).toContain('/storage-data/uploaded/?filepath=upload/1/c.jpg');
    expect(err.message).toContain('fallback');
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('returns the file from the project upload dir without downloading', async () => {
    const projectDir = path.join(tmp, 'project');
    await mkdir(path.join(projectDir, 'upload', '7'), { recursive: true });
    await writeFile(path.join(projectDir, 'upload', '7', 'x.png'), 'local');
    const { imageDir: _unused, ...rest } = opts();
    const p = await getLocalPath('/data/upload/7/x.png', { ...rest, projectDir });
    expect(p).toBe(path.join(projectDir, 'upload', '7', 'x.png'));
    expect(ls.requests).toHaveLength(0);
  });
});

describe('local storage (/data/local-files/?d=)', () => {
  it('reads from LOCAL_FILES_DOCUMENT_ROOT when the file exists there', async () => {
    const root = path.join(tmp, 'root');
    await mkdir(path.join(root, 'dir'), { recursive: true });
    await writeFile(path.join(root, 'dir', 'one two.txt'), 'local text');
    const env = { LOCAL_FILES_DOCUMENT_ROOT: root };
    const { cacheDir: _c, ...noCache } = opts({ env });
    expect(await getLocalPath('/data/local-files/?d=dir/one two.txt', noCache)).toBe(path.join(root, 'dir', 'one two.txt'));
    // LS percent-quotes the path; the decoded form is found too.
    expect(await getLocalPath('/data/local-files/?d=dir/one%20two.txt', noCache)).toBe(path.join(root, 'dir', 'one two.txt'));
    // With an explicit cacheDir the file is copied there, named like a download.
    const cached = await getLocalPath('/data/local-files/?d=dir/one two.txt', opts({ env }));
    expect(cached).toBe(path.join(cacheDir, cacheFileName('/data/local-files/?d=dir/one two.txt', 'one two.txt')));
    expect(await readFile(cached, 'utf8')).toBe('local text');
    expect(ls.requests).toHaveLength(0);
  });

  it('prefers LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT over the bare name (Python get_env order)', async () => {
    const root = path.join(tmp, 'root2');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'f.txt'), 'x');
    const env = { LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT: root, LOCAL_FILES_DOCUMENT_ROOT: path.join(tmp, 'elsewhere') };
    const { cacheDir: _c, ...o } = opts({ env });
    expect(await getLocalPath('/data/local-files/?d=f.txt', o)).toBe(path.join(root, 'f.txt'));
  });

  it('rejects paths escaping the document root, raw or percent-encoded', async () => {
    const root = path.join(tmp, 'root');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(tmp, 'secret.txt'), 'secret');
    const env = { LOCAL_FILES_DOCUMENT_ROOT: root };
    for (const url of ['/data/local-files/?d=../secret.txt', '/data/local-files/?d=dir/../../secret.txt', '/data/local-files/?d=..%2Fsecret.txt', `/data/local-files/?d=${path.join(tmp, 'secret.txt')}`]) {
      const err = await rejection(getLocalPath(url, opts({ env })));
      expect(err.code).toBe('PATH_ESCAPE');
      expect(err.message).toMatch(/^Invalid path: .*outside LOCAL_FILES_DOCUMENT_ROOT/);
    }
    expect(ls.requests).toHaveLength(0);
  });

  it('downloads from LS when the file is not under the root, named after the d= basename', async () => {
    const env = { LOCAL_FILES_DOCUMENT_ROOT: path.join(tmp, 'empty-root') };
    const p = await getLocalPath('/data/local-files/?d=dir/remote.txt', opts({ env }));
    expect(p).toBe(path.join(cacheDir, `${md5_8(`${ls.origin}/data/local-files/?d=dir/remote.txt`)}__remote.txt`));
    expect(await readFile(p, 'utf8')).toBe('remote local-files');
    expect(ls.requests[0]?.headers.authorization).toBe('Token legacy-token');
  });
});

describe('cloud storage URIs', () => {
  it('encodes fileuri as URL-safe base64 with padding', () => {
    expect(encodePresignFileUri('s3://bucket/dir/photo.jpg')).toBe('czM6Ly9idWNrZXQvZGlyL3Bob3RvLmpwZw==');
    // '?>~' give '/' and '+' in standard base64: URL-safe alphabet must turn them into '_' and '-'.
    expect(encodePresignFileUri('s3://b/k?x>~.jpg')).toBe('czM6Ly9iL2s_eD5-LmpwZw==');
  });

  it('goes through /tasks/<id>/presign/, follows the redirect, and does not send the token off-host', async () => {
    const uri = 's3://bucket/dir/photo.jpg';
    const p = await getLocalPath(uri, opts({ taskId: 42 }));
    expect(ls.requests.map((r) => r.url)).toEqual(['/tasks/42/presign/?fileuri=czM6Ly9idWNrZXQvZGlyL3Bob3RvLmpwZw==']);
    expect(ls.requests[0]?.headers.authorization).toBe('Token legacy-token');
    expect(other.requests.map((r) => r.url)).toEqual(['/signed/photo.jpg?X-Amz-Signature=abc']);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    // Cache key is the cloud URI itself, name its basename.
    expect(p).toBe(path.join(cacheDir, `${md5_8(uri)}__photo.jpg`));
    expect(await readFile(p, 'utf8')).toBe('photo-bytes');
  });

  it('requires a task id (Python message)', async () => {
    const err = await rejection(getLocalPath('gs://bucket/x.jpg', opts()));
    expect(err.code).toBe('TASK_ID_REQUIRED');
    expect(err.message).toBe('Label Studio Task ID is required for cloud storage files');
  });
});

describe('hostname and token requirements', () => {
  it('missing hostname: Python message with the rewritten URL', async () => {
    const { hostname: _h, ...o } = opts();
    const err = await rejection(getLocalPath('upload/1/a.jpg', o));
    expect(err.code).toBe('HOSTNAME_REQUIRED');
    expect(err.message).toBe(
      "Can't resolve url, neither hostname or project_dir passed: /storage-data/uploaded/?filepath=upload/1/a.jpg. " +
        'You can set LABEL_STUDIO_URL environment variable to use it as a hostname.',
    );
  });

  it('missing token: Python message', async () => {
    const { accessToken: _t, ...o } = opts();
    const err = await rejection(getLocalPath('/data/upload/1/a.jpg', o));
    expect(err.code).toBe('TOKEN_REQUIRED');
    expect(err.message).toBe('To access uploaded and local storage files you have to set LABEL_STUDIO_API_KEY environment variable.');
    expect(ls.requests).toHaveLength(0);
  });

  it('hostname without a scheme is rejected (Python message)', async () => {
    const err = await rejection(getLocalPath('upload/1/a.jpg', opts({ hostname: '127.0.0.1:8080' })));
    expect(err.code).toBe('INVALID_HOSTNAME');
    expect(err.message).toBe(
      'Invalid hostname in LABEL_STUDIO_URL: 127.0.0.1:8080. Please provide full URL starting with protocol (http:// or https://).',
    );
  });

  it('reads hostname from LABEL_STUDIO_HOST and the key from LABEL_STUDIO_ACCESS_TOKEN when nothing else is set', async () => {
    const { hostname: _h, accessToken: _t, ...o } = opts();
    const p = await getLocalPath('upload/1/a.jpg', { ...o, env: { LABEL_STUDIO_HOST: ls.origin, LABEL_STUDIO_ACCESS_TOKEN: 'env-token' } });
    expect(await readFile(p, 'utf8')).toBe('A-bytes');
    expect(ls.requests[0]?.headers.authorization).toBe('Token env-token');
  });
});

describe('authorization header', () => {
  it('exchanges a PAT from the env once and sends Bearer <access> to LS', async () => {
    const pat = makePat();
    const issued = serveTokenRefresh(ls, pat);
    const { hostname: _h, accessToken: _t, ...o } = opts();
    const env = { LABEL_STUDIO_URL: ls.origin, LABEL_STUDIO_API_KEY: pat };
    await getLocalPath('upload/1/a.jpg', { ...o, env });
    await getLocalPath(`${ls.origin}/direct.txt`, { ...o, env });
    expect(ls.hits('/api/token/refresh/')).toHaveLength(1);
    expect(issued).toHaveLength(1);
    const downloads = ls.requests.filter((r) => r.method === 'GET');
    expect(downloads).toHaveLength(2);
    for (const r of downloads) expect(r.headers.authorization).toBe(`Bearer ${issued[0]}`);
  });

  it('does not exchange a PAT when nothing is downloaded', async () => {
    const pat = makePat();
    serveTokenRefresh(ls, pat);
    const { hostname: _h, accessToken: _t, ...o } = opts();
    const p = await getLocalPath('upload/1/a.jpg', { ...o, env: { LABEL_STUDIO_URL: ls.origin, LABEL_STUDIO_API_KEY: pat }, downloadResources: false });
    expect(existsSync(p)).toBe(false);
    expect(ls.requests).toHaveLength(0);
  });

  it('uses a given tokenProvider when no accessToken is passed', async () => {
    const { accessToken: _t, ...o } = opts();
    await getLocalPath(`${ls.origin}/direct.txt`, { ...o, tokenProvider: { getToken: async () => 'from-provider' } });
    expect(ls.requests[0]?.headers.authorization).toBe('Token from-provider');
  });

  it('sends the token only to the LS host:port', async () => {
    const p = await getLocalPath(`${other.origin}/file.txt`, opts());
    expect(await readFile(p, 'utf8')).toBe('hello from other');
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(other.requests[0]?.headers['user-agent']).toMatch(/^Mozilla/);

    await getLocalPath(`${ls.origin}/direct.txt`, opts());
    expect(ls.requests[0]?.headers.authorization).toBe('Token legacy-token');
  });

  it('adds the token after a redirect from another host to LS, not before', async () => {
    const p = await getLocalPath(`${other.origin}/redirect-to-ls`, opts());
    expect(await readFile(p, 'utf8')).toBe('hello from ls');
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(ls.requests[0]?.headers.authorization).toBe('Token legacy-token');
  });
});

describe('cache behaviour', () => {
  it('names the file md5(url)[:8]__basename and does not download twice', async () => {
    const url = `${other.origin}/file.txt`;
    const p1 = await getLocalPath(url, opts());
    const p2 = await getLocalPath(url, opts());
    expect(p1).toBe(path.join(cacheDir, `${md5_8(url)}__file.txt`));
    expect(p2).toBe(p1);
    expect(other.requests).toHaveLength(1);
    expect(await readdir(cacheDir)).toEqual([path.basename(p1)]); // no temp files left
  });

  it('concurrent calls for the same file share one download', async () => {
    const url = `${other.origin}/file.txt`;
    const paths = await Promise.all([1, 2, 3, 4].map(() => getLocalPath(url, opts())));
    expect(new Set(paths).size).toBe(1);
    expect(other.requests).toHaveLength(1);
  });

  it('downloadResources=false returns the would-be path without a request', async () => {
    const url = `${other.origin}/file.txt`;
    const p = await getLocalPath(url, opts({ downloadResources: false }));
    expect(p).toBe(path.join(cacheDir, `${md5_8(url)}__file.txt`));
    expect(existsSync(p)).toBe(false);
    expect(other.requests).toHaveLength(0);
    const up = await getLocalPath('upload/1/a.jpg', opts({ downloadResources: false }));
    expect(path.basename(up)).toBe(`${md5_8(`${ls.origin}/storage-data/uploaded/?filepath=upload/1/a.jpg`)}__a.jpg`);
    expect(ls.requests).toHaveLength(0);
  });

  it('defaults cacheDir to the user cache dir (XDG_CACHE_HOME/label-studio on Linux)', async () => {
    if (process.platform !== 'linux') return;
    const { cacheDir: _c, ...o } = opts({ env: { XDG_CACHE_HOME: path.join(tmp, 'xdg') } });
    const url = `${other.origin}/file.txt`;
    const p = await getLocalPath(url, { ...o, downloadResources: false });
    expect(p).toBe(path.join(tmp, 'xdg', 'label-studio', `${md5_8(url)}__file.txt`));
  });
});

describe('what is not downloaded', () => {
  it('rejects non-http(s) schemes', async () => {
    for (const url of ['ftp://example.com/a.jpg', 'file:///etc/passwd', 'data:text/plain,hi', 'javascript:alert(1)']) {
      const err = await rejection(getLocalPath(url, opts()));
      expect(err.code).toBe('UNSUPPORTED_SCHEME');
      expect(err.message).toContain('only http:// and https://');
    }
  });

  it('rejects a redirect to a non-http(s) scheme', async () => {
    const err = await rejection(getLocalPath(`${other.origin}/redirect-to-file`, opts()));
    expect(err.code).toBe('UNSUPPORTED_SCHEME');
  });

  it('returns an existing local path directly (unlike Python, Q24)', async () => {
    const file = path.join(tmp, 'image.jpg');
    await writeFile(file, 'img');
    expect(await getLocalPath(file, opts())).toBe(file);
    expect(existsSync(cacheDir)).toBe(false);
    const err = await rejection(getLocalPath(path.join(tmp, 'missing.jpg'), opts()));
    expect(err.code).toBe('NOT_FOUND');
  });

  it('HTTP errors without a fallback throw HTTP_ERROR with the status', async () => {
    const err = await rejection(getLocalPath(`${ls.origin}/nope.jpg`, opts()));
    expect(err.code).toBe('HTTP_ERROR');
    expect(err.status).toBe(404);
    expect(existsSync(cacheDir) ? await readdir(cacheDir) : []).toEqual([]);
  });

  it('enforces maxBytes from Content-Length and while streaming', async () => {
    for (const name of ['big.bin', 'chunked.bin']) {
      const err = await rejection(getLocalPath(`${ls.origin}/${name}`, opts({ maxBytes: 1000 })));
      expect(err.code).toBe('TOO_LARGE');
    }
    expect(await readdir(cacheDir)).toEqual([]);
    const ok = await getLocalPath(`${ls.origin}/chunked.bin`, opts({ maxBytes: 3000 }));
    expect((await readFile(ok)).length).toBe(3000);
  });

  it('times out', async () => {
    const err = await rejection(getLocalPath(`${ls.origin}/slow.txt`, opts({ timeoutMs: 200 })));
    expect(err.code).toBe('TIMEOUT');
  });
});

describe('getBase64Content', () => {
  it('downloads with the same resolution and returns base64 without writing files', async () => {
    expect(await getBase64Content('upload/1/b.jpg', opts())).toBe(Buffer.from('B-bytes').toString('base64'));
    expect(ls.requests.map((r) => r.url)).toEqual(['/storage-data/uploaded/?filepath=upload/1/b.jpg', '/data/upload/1/b.jpg']);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('reads local-storage files directly and uses the Python message for a missing hostname', async () => {
    const root = path.join(tmp, 'root');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'f.txt'), 'hello');
    expect(await getBase64Content('/data/local-files/?d=f.txt', opts({ env: { LOCAL_FILES_DOCUMENT_ROOT: root } }))).toBe(
      Buffer.from('hello').toString('base64'),
    );
    const { hostname: _h, ...o } = opts();
    const err = await rejection(getBase64Content('/data/local-files/?d=nope.txt', o));
    expect(err.message).toBe(
      "Can't resolve url, hostname not provided: /data/local-files/?d=nope.txt. You can set LABEL_STUDIO_URL environment variable to use it as a hostname.",
    );
  });
});
