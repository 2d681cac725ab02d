// A newcomer's first steps, exactly as the READMEs give them, in a fresh `git clone` of the current
// commit: `npm install`, `npx lsml --version`, `npx lsml create ../x --template basic`, then
// `npm install && npm test` in ../x, and `npm start -w apps/substring-matcher` answering /health.
// No @lsml package may come from the registry (nothing is published), and `npm install` must print no
// warning (our configuration caused some: an unknown .npmrc key, undecided install scripts).
//
// Expensive (two full installs and a build: minutes), so it runs in CI (CI=true) or with
// LSML_FRESH_CLONE_TEST=1. It tests the committed HEAD: commit before running it locally.
// better-sqlite3's install script runs against a local mirror of its prebuilt binary (GitHub, where it
// normally comes from, is not reachable here; compiling it twice would add minutes).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const enabled = process.env.CI === 'true' || process.env.LSML_FRESH_CLONE_TEST === '1';

let tmp: string;
let mirror: http.Server | undefined;
let mirrorUrl = '';

/** The environment of a shell in which a newcomer typed the commands (no settings of this test run). */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'));
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip', NO_COLOR: '1', FORCE_COLOR: '0', npm_config_better_sqlite3_binary_host: mirrorUrl };
}

const run = (cwd: string, cmd: string, args: string[]) => exec(cmd, args, { cwd, env: userEnv(), maxBuffer: 1 << 26 });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** npm's warnings in an install's output, but the one about this test's own mirror setting. */
function npmWarnings(out: { stdout: string; stderr: string }): string[] {
  return `${out.stdout}${out.stderr}`.split('\n').filter((l) => /npm warn/i.test(l) && !l.includes('"better-sqlite3-binary-host"'));
}

function lsmlFromRegistry(dir: string): string[] {
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
  return Object.entries(lock.packages)
    .filter(([p, v]) => /(^|\/)node_modules\/@lsml\//.test(p) && /^https?:/.test(v.resolved ?? ''))
    .map(([p, v]) => `${p} ← ${v.resolved}`);
}

describe.skipIf(!enabled)('a fresh clone, as a newcomer uses it', () => {
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-fresh-'));
    const archive = path.join(tmp, 'better-sqlite3-prebuilt.tar.gz');
    await exec('tar', ['-czf', archive, '-C', path.join(ROOT, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node']);
    mirror = http.createServer((req, res) => {
      if (!req.url?.endsWith('.tar.gz')) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/gzip' });
      fs.createReadStream(archive).pipe(res);
    });
    await new Promise<void>((resolve) => mirror!.listen(0, '127.0.0.1', resolve));
    mirrorUrl = `http://127.0.0.1:${(mirror.address() as net.AddressInfo).port}`;
  });

  afterAll(async () => {
    mirror?.closeAllConnections();
    await new Promise((resolve) => (mirror ? mirror.close(resolve) : resolve(undefined)));
    // Two node_modules trees: removing them takes a while on a busy machine.
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 300_000);

  it('npm install, npx lsml --version, lsml create ../x + npm install && npm test, npm start -w apps/substring-matcher', { timeout: 1_500_000 }, async () => {
    const head = (await exec('git', ['rev-parse', 'HEAD'], { cwd: ROOT })).stdout.trim();
    const clone = path.join(tmp, 'lsml');
    await exec('git', ['clone', '--quiet', '--no-checkout', ROOT, clone]);
    await exec('git', ['checkout', '--quiet', head], { cwd: clone });

    const install = await run(clone, 'npm', ['install']);
    expect(npmWarnings(install), 'npm install in the clone prints no warning').toEqual([]);
    expect(lsmlFromRegistry(clone)).toEqual([]);

    const version = (JSON.parse(fs.readFileSync(path.join(clone, 'packages/core/package.json'), 'utf8')) as { version: string }).version;
    expect((await run(clone, 'npx', ['lsml', '--version'])).stdout.trim()).toBe(version);

    const created = await run(clone, 'npx', ['lsml', 'create', '../x', '--template', 'basic']);
    expect(created.stdout).toContain('npm install');
    const x = path.join(tmp, 'x');
    const xInstall = await run(x, 'npm', ['install']);
    expect(npmWarnings(xInstall), 'npm install in ../x prints no warning').toEqual([]);
    expect(lsmlFromRegistry(x)).toEqual([]);
    const lock = JSON.parse(fs.readFileSync(path.join(x, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    expect(lock.packages['node_modules/@lsml/core']?.resolved).toMatch(/^file:lsml-packages\/lsml-core-/);
    const test = await run(x, 'npm', ['test']);
    expect(`${test.stdout}${test.stderr}`.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+\d+ passed/);

    // `npm start -w apps/substring-matcher` (on a free port instead of 9090) answers /health.
    const port = await freePort();
    const child = spawn('npm', ['start', '-w', 'apps/substring-matcher'], { cwd: clone, env: { ...userEnv(), PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 120_000;
      let body: unknown;
      while (Date.now() < deadline && child.exitCode === null) {
        body = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json()).catch(() => undefined);
        if (body) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(body, out).toEqual({ model_class: expect.any(String), status: 'UP' });
    } finally {
      // npm → sh → node: end the whole group this test started.
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }
  });
});
