// Every published package, installed on its own: `npm pack` each one (after the build), install its
// tarball alone — plus the tarballs of the @lsml packages it depends on, which are not on the registry
// yet — into an empty project outside the workspace, then run what its README promises: ESM import,
// CJS require, types for both, its bin. A missing dependency, a wrong `exports` path, a file left out
// of `files` or a missing .d.ts fails here, not for the first user.
//
// Installs use the registry through the local npm cache (--prefer-offline) with --ignore-scripts:
// better-sqlite3's install script downloads its binary from GitHub (not reachable here), so the
// workspace's compiled binary (same Node ABI) is copied in where a server is started;
// onnxruntime-node ships its CPU binaries in the tarball (ONNXRUNTIME_NODE_INSTALL=skip only skips the
// optional CUDA download).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

interface Pkg {
  dir: string;
  /** Named exports each entry point must have, by subpath. */
  exports: Record<string, string[]>;
  /** A TypeScript snippet (ESM) that must type-check against the installed .d.ts. */
  types?: string;
}

const PACKAGES: Pkg[] = [
  {
    dir: 'packages/core',
    exports: {
      '.': ['LabelStudioMLBase', 'ModelResponse', 'createServer', 'serve', 'defineBackend', 'parseConfig', 'validatePrediction', 'getLocalPath'],
      './create': ['createProject', 'listTemplates', 'runCreateLsml'],
    },
    types: `import { LabelStudioMLBase, ModelResponse, createServer, type Task } from '@lsml/core';
import { createProject } from '@lsml/core/create';
class M extends LabelStudioMLBase {
  override async predict(tasks: Task[]) { return new ModelResponse({ predictions: tasks.map(() => ({ result: [] })) }); }
}
export const server: { listen(port?: number): Promise<{ url: string }> } = createServer(M);
export const created: { files: string[] } = createProject('x');`,
  },
  {
    dir: 'packages/testing',
    exports: { '.': ['startBackend', 'replayConformanceCases', 'simulateLabelStudio', 'checkPredictions', 'KitError'] },
    types: `import { checkPredictions, startBackend, type RunningBackend } from '@lsml/testing';
import { LabelStudioMLBase } from '@lsml/core';
export const b: Promise<RunningBackend> = startBackend(LabelStudioMLBase);
export const ok: boolean = checkPredictions('<View/>', [], []).ok;`,
  },
  {
    dir: 'packages/onnx',
    exports: { '.': ['onnxClassifier', 'OnnxClassifierBackend', 'loadOnnxModel', 'hashedBagOfWords', 'InferenceSession', 'Tensor'] },
    types: `import { hashedBagOfWords, onnxClassifier } from '@lsml/onnx';
export const B = onnxClassifier({ model: 'm.onnx', labels: ['a'], featurize: (t: string) => hashedBagOfWords(t, 8) });
export const v: Float32Array = hashedBagOfWords('x', 4);`,
  },
  {
    dir: 'packages/tfjs',
    exports: { '.': ['tfjsRuntime', 'TfjsError', 'TFJS_RUNTIME_DEFAULTS', 'initTfjs', 'tf', 'loadGraphModel'] },
    types: `import { tfjsRuntime, initTfjs, type TfjsPlatform, type TfjsTextRuntime } from '@lsml/tfjs';
export const rt: TfjsTextRuntime = tfjsRuntime({ vectorizer: { ngramRange: [1, 1] } });
export const r: Promise<TfjsPlatform> = initTfjs();`,
  },
  {
    dir: 'packages/transformers',
    exports: { '.': ['transformersBackend', 'TransformersBackend', 'getPipeline', 'textClassificationMapping'] },
    types: `import { transformersBackend } from '@lsml/transformers';
import type { BackendClass } from '@lsml/core';
export const B: BackendClass = transformersBackend({ task: 'text-classification', model: 'Xenova/x' });`,
  },
  { dir: 'packages/create-lsml', exports: {} },
];

interface Manifest {
  name: string;
  version: string;
  main?: string;
  module?: string;
  types?: string;
  bin?: string | Record<string, string>;
  exports?: unknown;
  dependencies?: Record<string, string>;
}
const manifest = (dir: string) => JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;
const byName = new Map(PACKAGES.map((p) => [manifest(p.dir).name, p]));

/** The package and the @lsml packages it needs, transitively (they come from local tarballs too). */
function closure(name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const deps = Object.keys(manifest(byName.get(name)!.dir).dependencies ?? {}).filter((d) => byName.has(d));
  return [name, ...deps.flatMap((d) => closure(d, seen))];
}

/** Every file `exports` (all conditions), `main`, `module`, `types` and `bin` point at. */
function declaredFiles(m: Manifest): string[] {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.add(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(m.exports);
  walk(m.bin);
  for (const f of [m.main, m.module, m.types]) if (f) out.add(f);
  return [...out].filter((f) => !f.includes('*'));
}

/** npm's own settings from a parent `npm run`/`npx` must not leak into the child installs. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip', NO_COLOR: '1', ...extra };
}

let tmp: string;
const tarballs = new Map<string, string>();
const installs = new Map<string, Promise<string>>();

const npmInstall = (dir: string, tarballFiles: string[]) =>
  exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...tarballFiles], { cwd: dir, env: cleanEnv(), maxBuffer: 1 << 24 });

/** Hard-link a directory tree (fast; npm replaces files by rename, so the source stays intact). */
function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) linkTree(a, b);
    else if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(a), b);
    else fs.linkSync(a, b);
  }
}

/**
 * A project with `name` installed from its tarball. @lsml/core is installed first on its own; projects
 * for the packages that depend on it start from a (hard-linked) copy of that one and `npm install` their
 * own tarball on top — the same tree as installing both tarballs at once, with core's 140 packages
 * extracted once instead of six times.
 */
async function install(name: string, coreProject: Promise<string> | undefined): Promise<string> {
  const dir = path.join(tmp, `install-${name.replace(/[@/]/g, '_')}`);
  const needs = closure(name);
  if (coreProject && needs.includes('@lsml/core')) {
    const base = await coreProject;
    fs.mkdirSync(dir);
    for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(base, f), path.join(dir, f));
    linkTree(path.join(base, 'node_modules'), path.join(dir, 'node_modules'));
    fs.rmSync(path.join(dir, 'node_modules/.package-lock.json'));
    fs.copyFileSync(path.join(base, 'node_modules/.package-lock.json'), path.join(dir, 'node_modules/.package-lock.json'));
    await npmInstall(dir, needs.filter((n) => n !== '@lsml/core').map((n) => tarballs.get(n)!));
  } else {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'pack-check', version: '1.0.0', private: true }));
    await npmInstall(dir, needs.map((n) => tarballs.get(n)!));
  }
  return dir;
}

beforeAll(async () => {
  for (const p of PACKAGES) {
    for (const f of declaredFiles(manifest(p.dir)).filter((f) => f.startsWith('./dist') || f.startsWith('dist'))) {
      if (!fs.existsSync(path.join(ROOT, p.dir, f))) throw new Error(`${p.dir}/${f} is missing: build first (npx turbo run build)`);
    }
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-pack-'));
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', tmp, ...PACKAGES.flatMap((p) => ['-w', p.dir])], { cwd: ROOT, env: cleanEnv(), maxBuffer: 1 << 24 });
  for (const entry of JSON.parse(stdout) as Array<{ name: string; filename: string }>) tarballs.set(entry.name, path.join(tmp, entry.filename));
  // Core first; then two installs at a time (they share the npm cache and the CPUs with other tests).
  const core = install('@lsml/core', undefined);
  installs.set('@lsml/core', core);
  const chain = [core.catch(() => ''), core.catch(() => '')];
  [...byName.keys()]
    .filter((n) => n !== '@lsml/core')
    .forEach((name, i) => {
      const slot = i % chain.length;
      const run = chain[slot]!.then(() => install(name, core));
      chain[slot] = run.catch(() => '');
      installs.set(name, run);
    });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(installs.values());
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const node = (cwd: string, args: string[], env: Record<string, string> = {}) => exec(process.execPath, args, { cwd, env: cleanEnv(env), maxBuffer: 1 << 24 });

/** The workspace's compiled better-sqlite3 binary (what its install script would have fetched). */
function copySqliteBinary(dir: string): void {
  const ws = path.join(ROOT, 'node_modules/better-sqlite3');
  const installed = path.join(dir, 'node_modules/better-sqlite3');
  expect((JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as Manifest).version, 'better-sqlite3 version (binary copied from the workspace)').toBe(
    (JSON.parse(fs.readFileSync(path.join(ws, 'package.json'), 'utf8')) as Manifest).version,
  );
  fs.mkdirSync(path.join(installed, 'build/Release'), { recursive: true });
  fs.copyFileSync(path.join(ws, 'build/Release/better_sqlite3.node'), path.join(installed, 'build/Release/better_sqlite3.node'));
}

/** Run a server command until it logs its URL, GET /health, then SIGTERM it. */
async function health(cwd: string, args: string[]): Promise<unknown> {
  const child = spawn(process.execPath, args, { cwd, env: cleanEnv({ LOG_FORMAT: 'json' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in 30 s:\n${out}`)), 30_000);
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /"url":"([^"]+)"[^\n]*lsml server listening|lsml server listening[^\n]*"url":"([^"]+)"/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve((m[1] ?? m[2])!);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
    });
    return await (await fetch(`${url}/health`)).json();
  } finally {
    child.kill('SIGTERM');
  }
}

describe('each package installs and works on its own (npm pack → npm install <tarball>)', () => {
  it.each([...byName.keys()])('%s', { timeout: 120_000 }, async (name) => {
    const dir = await installs.get(name)!;
    const pkg = byName.get(name)!;
    const pkgDir = path.join(dir, 'node_modules', name);
    const m = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as Manifest;

    // Everything the manifest points at is in the tarball (a wrong exports path or `files` fails here).
    for (const f of declaredFiles(m)) expect(fs.existsSync(path.join(pkgDir, f)), `${name}: ${f} (named in package.json) is in the tarball`).toBe(true);
    const typeFiles = declaredFiles(m).filter((f) => /\.d\.c?ts$/.test(f));
    if (Object.keys(pkg.exports).length) expect(typeFiles.some((f) => f.endsWith('.d.ts')) && typeFiles.some((f) => f.endsWith('.d.cts')), `${name}: .d.ts and .d.cts`).toBe(true);

    // ESM import and CJS require of every entry point, with its named exports.
    for (const [sub, names] of Object.entries(pkg.exports)) {
      const spec = sub === '.' ? name : `${name}/${sub.slice(2)}`;
      const list = JSON.stringify(names);
      const esm = `const m = await import(${JSON.stringify(spec)}); const missing = ${list}.filter((n) => !(n in m)); if (missing.length) { console.error('missing exports: ' + missing); process.exit(1); }`;
      await node(dir, ['--input-type=module', '-e', esm]);
      const cjs = `const m = require(${JSON.stringify(spec)}); const missing = ${list}.filter((n) => !(n in m)); if (missing.length) { console.error('missing exports: ' + missing); process.exit(1); }`;
      await node(dir, ['-e', cjs]);
    }

    // Types resolve for both module systems (strict: a package without types is an error, TS7016).
    if (pkg.types) {
      fs.writeFileSync(path.join(dir, 'check.mts'), pkg.types);
      fs.writeFileSync(path.join(dir, 'check.cts'), `import pkg = require(${JSON.stringify(name)});\nexport const names: string[] = Object.keys(pkg);\n`);
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noImplicitOverride: true, noEmit: true, skipLibCheck: true, typeRoots: [path.join(ROOT, 'node_modules/@types')], types: ['node'] },
          files: ['check.mts', 'check.cts'],
        }),
      );
      const tsc = await node(dir, [TSC, '-p', '.']).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? String(e) }));
      expect(tsc.stdout, `${name}: types`).toBe('');
    }

    // What the README says to run.
    if (name === '@lsml/core') {
      const help = await node(dir, ['node_modules/.bin/lsml', '--help']);
      expect(help.stdout).toMatch(/start[\s\S]*worker[\s\S]*create/);
      copySqliteBinary(dir);
      fs.writeFileSync(
        path.join(dir, 'model.ts'),
        "import { LabelStudioMLBase, ModelResponse, type Task } from '@lsml/core';\nexport default class Packed extends LabelStudioMLBase {\n  override async predict(tasks: Task[]) { return new ModelResponse({ predictions: tasks.map(() => ({ result: [] })) }); }\n}\n",
      );
      expect(await health(dir, ['node_modules/.bin/lsml', 'start', 'model.ts', '--port', '0', '--host', '127.0.0.1', '--model-dir', 'data'])).toEqual({ model_class: 'Packed', status: 'UP' });
    }
    if (name === '@lsml/testing') {
      copySqliteBinary(dir);
      // The README's snippet without a test runner; it needs protocol/cases.json from the tarball.
      const script = `import { LabelStudioMLBase } from '@lsml/core';
import { replayConformanceCases, simulateLabelStudio, startBackend } from '@lsml/testing';
const backend = await startBackend(LabelStudioMLBase, { basicAuth: { user: 'u', pass: 'p' } });
const report = await replayConformanceCases(backend);
await simulateLabelStudio(backend, { labelConfig: '<View><Text name="t" value="$t"/></View>', tasks: [{ t: 'x' }] });
await backend.stop();
console.log(report.passed.length);`;
      const { stdout } = await node(dir, ['--input-type=module', '-e', script]);
      expect(Number(stdout.trim())).toBeGreaterThanOrEqual(30);
    }
    if (name === 'create-lsml') {
      await node(dir, ['node_modules/.bin/create-lsml', 'my-backend', '--template', 'text-classifier', '--adapter', 'onnx']);
      const created = JSON.parse(fs.readFileSync(path.join(dir, 'my-backend/package.json'), 'utf8')) as Manifest;
      expect(created.dependencies).toEqual({ '@lsml/core': `^${m.version}`, '@lsml/onnx': `^${m.version}` });
      expect(fs.existsSync(path.join(dir, 'my-backend/model/text-classifier.onnx'))).toBe(true);
      const bad = await node(dir, ['node_modules/.bin/create-lsml', 'my-backend']).catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/^create-lsml: my-backend is not empty/) });
    }
  });
});
