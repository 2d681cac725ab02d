// Every published package, installed on its own: `npm pack` each one (after the build), install its
// tarball alone — plus the tarballs of the @lsml packages it depends on, which are not on the registry
// yet — into an empty project outside the workspace, then run what its README promises: ESM import,
// CJS require, types for both, its bin. A missing dependency, a wrong `exports` path, a file left out
// of `files` or a missing .d.ts fails here, not for the first user.
//
// Then every `lsml create` template is scaffolded outside the workspace with `--from <those tarballs>`,
// and its own `npm install` (third-party packages from the registry, every @lsml package from the
// tarballs: checked in its package-lock) and `npm test` run; and @lsml/onnx is installed alone into an
// empty project (its @lsml/core through `overrides`) and serves an ONNX model.
//
// The package installs use the registry through the local npm cache (--prefer-offline) with --ignore-scripts:
// better-sqlite3's install script downloads its binary from GitHub (not reachable here), so the
// workspace's compiled binary (same Node ABI) is copied in where a server is started;
// onnxruntime-node ships its CPU binaries in the tarball (ONNXRUNTIME_NODE_INSTALL=skip only skips the
// optional CUDA download).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, COMBOS, comboName, ROOT, type Combo } from './template-combos.js';

const exec = promisify(execFile);
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
      './label-config': ['LabelInterface', 'parseConfig', 'validatePrediction'],
      './media': ['getLocalPath', 'preloadTaskData', 'MediaError'],
      './training': ['SqliteTrainingQueue', 'createJobProcessor', 'LabelStudioClient'],
      './server': ['createServer', 'serve', 'HttpError'],
      './testing': ['lsTask', 'lsProject', 'lsAnnotation', 'annotationWebhook'],
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
    exports: { '.': ['startBackend', 'replayConformanceCases', 'simulateLabelStudio', 'checkPredictions', 'KitError', 'runtimeConformance', 'lsTask'] },
    types: `import { checkPredictions, startBackend, type RunningBackend } from '@lsml/testing';
import { LabelStudioMLBase } from '@lsml/core';
export const b: Promise<RunningBackend> = startBackend(LabelStudioMLBase);
export const ok: boolean = checkPredictions('<View/>', [], []).ok;`,
  },
  {
    dir: 'packages/onnx',
    exports: { '.': ['onnxRuntime', 'OnnxError', 'DEFAULT_BATCHING', 'loadOnnxModel', 'hashedBagOfWords', 'InferenceSession', 'Tensor'] },
    types: `import { hashedBagOfWords, onnxRuntime, type OnnxRuntime } from '@lsml/onnx';
export const rt: OnnxRuntime<'classes'> = onnxRuntime({ model: 'm.onnx', labels: ['a'], featurize: (t: string) => hashedBagOfWords(t, 8) });
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
    exports: { '.': ['transformersRuntime', 'TransformersError', 'DEFAULT_MODELS', 'getPipeline'] },
    types: `import { transformersRuntime, type TransformersRuntime } from '@lsml/transformers';
export const rt: TransformersRuntime<'token-classification'> = transformersRuntime({ task: 'token-classification', model: 'Xenova/x' });
export const kinds: ['text', 'spans'] = [rt.input, rt.output];`,
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
}, 600_000);

const node = (cwd: string, args: string[], env: Record<string, string> = {}) => exec(process.execPath, args, { cwd, env: cleanEnv(env), maxBuffer: 1 << 24 });

/**
 * tsc's output without the errors inside @tensorflow/*'s own declarations: with `skipLibCheck: false`
 * tfjs-core's and tfjs-layers' .d.ts do not compile (`Long` undeclared, `LayersModel` vs
 * `InferenceModel`), whoever imports them: upstream, not ours. Errors in any other file still count.
 */
function withoutUpstreamTypeErrors(out: string): string {
  const kept: string[] = [];
  let skipping = false;
  for (const line of out.split('\n')) {
    if (/^\S/.test(line)) skipping = line.startsWith('node_modules/@tensorflow/');
    if (!skipping) kept.push(line);
  }
  return kept.join('\n').trim();
}

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

/** Run a server command until it logs its URL; `stop()` SIGTERMs it. */
async function listen(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, args, { cwd, env: cleanEnv({ LOG_FORMAT: 'json', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in 60 s:\n${out}`)), 60_000);
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
    return { url, stop: () => child.kill('SIGTERM') };
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
}

/** Run a server command until it logs its URL, GET /health, then SIGTERM it. */
async function health(cwd: string, args: string[], env: Record<string, string> = {}): Promise<unknown> {
  const server = await listen(cwd, args, env);
  try {
    return await (await fetch(`${server.url}/health`)).json();
  } finally {
    server.stop();
  }
}

describe('each package installs and works on its own (npm pack → npm install <tarball>)', () => {
  it.each([...byName.keys()])('%s', { timeout: 300_000 }, async (name) => {
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
          compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noImplicitOverride: true, noEmit: true, skipLibCheck: false, typeRoots: [path.join(ROOT, 'node_modules/@types')], types: ['node'] },
          files: ['check.mts', 'check.cts'],
        }),
      );
      const tsc = await node(dir, [TSC, '-p', '.']).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? String(e) }));
      expect(withoutUpstreamTypeErrors(tsc.stdout), `${name}: types`).toBe('');
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

// ---------------------------------------------------------------------------------------------------
// Scaffolded projects and a lone adapter, installed from the tarballs outside the workspace.

/**
 * better-sqlite3's install script (prebuild-install) fetches its binary from GitHub, which is not
 * reachable here; it would compile from source instead (a minute or two each). The projects' installs run
 * that same script against a local mirror serving the workspace's binary (same Node ABI), through
 * prebuild-install's documented `npm_config_<package>_binary_host` setting.
 */
let sqliteMirror: { url: string; close: () => Promise<void> } | undefined;
async function startSqliteMirror(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const archive = path.join(dir, 'better-sqlite3-prebuilt.tar.gz');
  await exec('tar', ['-czf', archive, '-C', path.join(ROOT, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node']);
  const server = http.createServer((req, res) => {
    if (!req.url?.endsWith('.tar.gz')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/gzip' });
    fs.createReadStream(archive).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** `npm <args>` in a generated project, as its user would run it (scripts on, the prebuilt mirror). */
const npmIn = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  exec('npm', args, { cwd, env: cleanEnv({ npm_config_better_sqlite3_binary_host: sqliteMirror!.url, ...env }), maxBuffer: 1 << 26 });

/** Every @lsml package in a project's package-lock, with where it was resolved from. */
function lsmlResolutions(dir: string): Record<string, string> {
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string; link?: boolean }> };
  return Object.fromEntries(
    Object.entries(lock.packages)
      .filter(([p]) => /(^|\/)node_modules\/@lsml\//.test(p))
      .map(([p, v]) => [p, v.resolved ?? (v.link ? 'link' : 'none')]),
  );
}

interface ScaffoldRun {
  dir: string;
  install: { stdout: string; stderr: string };
  test: { code: number; output: string };
}
const scaffolds = new Map<string, Promise<ScaffoldRun>>();
let loneOnnx: Promise<string> | undefined;

/** The first project installed with a given set of dependencies, by that set. */
const installedBySet = new Map<string, Promise<string>>();

/**
 * Scaffold `c` and run its `npm install` and `npm test`. Templates with the same dependencies (basic and
 * interactive; the three transformers ones) start from a hard-linked copy of the first one's
 * node_modules and lockfile: their `npm install` then checks the tree instead of extracting it again.
 */
async function scaffold(c: Combo): Promise<ScaffoldRun> {
  // The folder name gives the class name (`basic` → Basic).
  const dir = path.join(tmp, 'projects', comboName(c));
  await node(tmp, [CLI, 'create', dir, '--template', c.template, ...(c.adapter ? ['--adapter', c.adapter] : []), '--from', tmp]);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const depSet = JSON.stringify([manifest.dependencies, manifest.devDependencies, manifest.overrides]);
  const first = installedBySet.get(depSet);
  let done!: (dir: string) => void;
  if (!first) installedBySet.set(depSet, new Promise<string>((resolve) => (done = resolve)));
  if (first) {
    const base = await first;
    fs.copyFileSync(path.join(base, 'package-lock.json'), path.join(dir, 'package-lock.json'));
    linkTree(path.join(base, 'node_modules'), path.join(dir, 'node_modules'));
    fs.rmSync(path.join(dir, 'node_modules/.package-lock.json'));
    fs.copyFileSync(path.join(base, 'node_modules/.package-lock.json'), path.join(dir, 'node_modules/.package-lock.json'));
  }
  const install = await npmIn(dir, ['install', '--prefer-offline', '--no-audit', '--no-fund']).finally(() => done?.(dir));
  const test = await npmIn(dir, ['test'], c.env).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
  return { dir, install, test };
}

/** @lsml/onnx's tarball alone into an empty project; its @lsml/core dependency goes to core's tarball via `overrides`. */
async function installOnnxAlone(): Promise<string> {
  const dir = path.join(tmp, 'onnx-alone');
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'existing-app', version: '1.0.0', private: true, type: 'module', overrides: { '@lsml/core': `file:${tarballs.get('@lsml/core')}` } }),
  );
  await npmIn(dir, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarballs.get('@lsml/onnx')!]);
  return dir;
}

beforeAll(async () => {
  sqliteMirror = await startSqliteMirror(tmp);
  // Distinct dependency sets first, so that the templates sharing one wait as little as possible.
  // Two at a time, after the package installs above (on 2 cores, more at once only slows each down).
  const packagesDone = Promise.allSettled(installs.values());
  const slots: Array<Promise<unknown>> = [packagesDone, packagesDone];
  const order = [...COMBOS].sort((a, b) => Number(['interactive', 'gpt2', 'ner'].includes(a.template)) - Number(['interactive', 'gpt2', 'ner'].includes(b.template)));
  order.forEach((c, i) => {
    const slot = i % slots.length;
    const run = slots[slot]!.then(() => scaffold(c));
    slots[slot] = run.catch(() => undefined);
    scaffolds.set(comboName(c), run);
  });
  loneOnnx = slots[0]!.then(() => installOnnxAlone());
  slots[0] = loneOnnx.catch(() => undefined);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([...scaffolds.values(), loneOnnx]);
  await sqliteMirror?.close();
}, 1_200_000);

describe('lsml create --from <tarballs>: each template installs outside the workspace and passes its own test', () => {
  it.each(COMBOS.map((c) => [comboName(c), c] as const))('%s', { timeout: 600_000 }, async (name, c) => {
    const { dir, install, test } = await scaffolds.get(name)!;
    // Every @lsml package came from a tarball (file:), none from the registry.
    const resolved = lsmlResolutions(dir);
    expect(Object.keys(resolved)).toContain('node_modules/@lsml/core');
    for (const [p, from] of Object.entries(resolved)) expect(from, p).toMatch(/^file:/);
    // The generated allowScripts decides every install script: npm warns about nothing (but the
    // mirror setting of this test, which npm does not know).
    const warnings = `${install.stdout}${install.stderr}`.split('\n').filter((l) => /npm warn/i.test(l) && !l.includes('"better-sqlite3-binary-host"'));
    expect(warnings).toEqual([]);
    expect(test.code, test.output).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(test.output.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+\d+ passed \(\d+\)/);
    // `npm start`'s command, through the project's own lsml bin.
    expect(await health(dir, ['node_modules/.bin/lsml', 'start', 'src/model.ts', '--port', '0', '--host', '127.0.0.1', '--model-dir', 'data'], c.env)).toEqual({ model_class: c.className, status: 'UP' });
  });
});

describe('an existing project installs one adapter from its tarball', () => {
  it('@lsml/onnx alone: @lsml/core comes from its tarball too, types compile without skipLibCheck, a model serves', { timeout: 600_000 }, async () => {
    const dir = await loneOnnx!;
    expect(lsmlResolutions(dir)).toEqual({
      'node_modules/@lsml/core': expect.stringMatching(/^file:.*lsml-core-[\d.]+\.tgz$/),
      'node_modules/@lsml/onnx': expect.stringMatching(/^file:.*lsml-onnx-[\d.]+\.tgz$/),
    });
    const model = path.join(ROOT, 'packages/onnx/test/models/text-classifier.onnx');
    fs.writeFileSync(
      path.join(dir, 'model.ts'),
      `import { backend, choicesHead } from '@lsml/core';
import { hashedBagOfWords, onnxRuntime } from '@lsml/onnx';
export default backend({
  name: 'Existing',
  runtime: onnxRuntime({
    model: ${JSON.stringify(model)},
    labels: ['negative', 'neutral', 'positive'],
    featurize: (text: string) => hashedBagOfWords(text, 512),
  }),
  head: choicesHead(),
});
`,
    );
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [path.join(ROOT, 'node_modules/@types')], types: ['node'] },
        files: ['model.ts'],
      }),
    );
    const tsc = await node(dir, [TSC, '-p', '.']).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? String(e) }));
    expect(tsc.stdout, 'types (skipLibCheck: false)').toBe('');
    // @lsml/core's bin (a dependency's, so not in node_modules/.bin) serves it.
    const url = await listen(dir, ['node_modules/@lsml/core/bin/lsml.js', 'start', 'model.ts', '--port', '0', '--host', '127.0.0.1', '--model-dir', 'data']);
    try {
      expect(await (await fetch(`${url.url}/health`)).json()).toEqual({ model_class: 'Existing', status: 'UP' });
      const setup = await fetch(`${url.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ project: '1.1', schema: '<View><Text name="text" value="$text"/><Choices name="s" toName="text"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/></Choices></View>' }),
      });
      expect(setup.status).toBe(200);
      const res = await fetch(`${url.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ project: '1.1', label_config: '<View><Text name="text" value="$text"/><Choices name="s" toName="text"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/></Choices></View>', tasks: [{ id: 1, data: { text: 'great, I love it' } }] }),
      });
      const body = (await res.json()) as { results: Array<{ result: Array<{ value: { choices: string[] } }> }> };
      expect(res.status).toBe(200);
      expect(body.results[0]!.result[0]!.value.choices[0]).toMatch(/^(Positive|Negative|Neutral)$/);
    } finally {
      url.stop();
    }
  });
});
