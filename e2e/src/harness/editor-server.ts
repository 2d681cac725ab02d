// Serves Label Studio's editor build and the harness page from localhost (node:http), nothing else.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** The editor's build inside the pinned @heartexlabs/label-studio package. */
export const LSF_BUILD = path.join(path.dirname(require.resolve('@heartexlabs/label-studio/package.json')), 'build', 'static');
const PAGE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page', 'lsml-page.js');
/** Real photos (e2e/fixtures/images), served as `/images/<file>` to the editor and to image backends alike. */
export const PHOTOS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'images');
const IMAGE_TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.gif': 'image/gif' };

const FILES: Record<string, { file: string; type: string }> = {
  '/lsf/main.js': { file: path.join(LSF_BUILD, 'js', 'main.js'), type: 'text/javascript; charset=utf-8' },
  '/lsf/main.css': { file: path.join(LSF_BUILD, 'css', 'main.css'), type: 'text/css; charset=utf-8' },
  '/lsml-page.js': { file: PAGE_SCRIPT, type: 'text/javascript; charset=utf-8' },
};

// The icon link keeps the browser from asking for /favicon.ico.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>lsml e2e</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/lsf/main.css">
<style>html, body { margin: 0; background: #fff; font-family: sans-serif; }</style>
<script src="/lsf/main.js"></script>
<script src="/lsml-page.js"></script>
</head>
<body><div id="label-studio"></div></body>
</html>
`;

export interface EditorServer {
  readonly url: string;
  /** Paths asked for that the server does not have (each answered 404). */
  readonly notFound: string[];
  close(): Promise<void>;
}

export async function startEditorServer(): Promise<EditorServer> {
  for (const { file } of Object.values(FILES)) {
    if (!fs.existsSync(file)) throw new Error(`Missing ${file}: is @heartexlabs/label-studio installed?`);
  }
  const notFound: string[] = [];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
      return;
    }
    const photo = /^\/images\/([\w.-]+)$/.exec(pathname)?.[1];
    const photoType = photo ? IMAGE_TYPES[path.extname(photo).toLowerCase()] : undefined;
    const entry = FILES[pathname] ?? (photo && photoType && fs.existsSync(path.join(PHOTOS_DIR, photo)) ? { file: path.join(PHOTOS_DIR, photo), type: photoType } : undefined);
    if (!entry) {
      notFound.push(pathname);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'max-age=3600' });
    fs.createReadStream(entry.file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    notFound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
