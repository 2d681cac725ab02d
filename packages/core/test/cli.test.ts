import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI, spawnBackend } from './helpers/spawn-backend.js';

const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-cli-'));
const lsml = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, LOG_FORMAT: 'json' } });

describe('lsml CLI', () => {
  it('documents every flag and the env var behind it', () => {
    const r = lsml('start', '--help');
    expect(r.status).toBe(0);
    for (const flag of ['--port', '--host', '--model-dir', '--basic-auth-user', '--basic-auth-pass', '--log-level', '--cache-type', '--base-path', '--strict-validation', '--debug']) {
      expect(r.stdout).toContain(flag);
    }
    const flat = r.stdout.replace(/\s+/g, ' ');
    for (const env of ['PORT', 'HOST', 'MODEL_DIR', 'ML_SERVER_BASIC_AUTH_USER', 'LOG_LEVEL', 'CACHE_TYPE', 'QUEUE', 'REDIS_URL']) expect(flat).toContain(`(env: ${env})`);
    expect(lsml('--help').stdout).toContain('start');
  });

  it('serves a .ts model file directly, with its class name and state in MODEL_DIR', async () => {
    const modelDir = tmp();
    const b = await spawnBackend(fixture('interactive-substring-matching.ts'), { modelDir });
    try {
      expect(await (await fetch(`${b.url}/health`)).json()).toEqual({ model_class: 'InteractiveSubstringMatching', status: 'UP' });
      const setup = await fetch(`${b.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ project: '5.1', schema: '<View><Labels name="label" toName="text"><Label value="ORG"/></Labels><Text name="text" value="$text"/></View>' }),
      });
      expect(await setup.json()).toEqual({ model_version: 'InteractiveSubstringMatching-v0.0.1' });
      expect(fs.existsSync(path.join(modelDir, 'cache.db'))).toBe(true);
    } finally {
      expect(await b.stop()).toBe(0);
    }
  });

  it('serves a plain .js model file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'model.mjs');
    fs.writeFileSync(file, "import { defineBackend } from '@lsml/core';\nexport default defineBackend({ name: 'JsModel', predict: (t) => t.map(() => ({ result: [] })) });\n");
    // Resolve @lsml/core from the workspace, as an installed dependency would be.
    fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
    const b = await spawnBackend(file);
    try {
      expect(await (await fetch(`${b.url}/health`)).json()).toEqual({ model_class: 'JsModel', status: 'UP' });
    } finally {
      await b.stop();
    }
  });

  it.each([
    ['a missing file', ['start', '/nope/model.ts'], /Model file not found/],
    ['a file without a default export', ['start', 'NO_DEFAULT'], /has no default export/],
    ['a default export that is not a backend', ['start', 'NOT_BACKEND'], /not a LabelStudioMLBase subclass/],
    ['a bad port', ['start', 'BASE', '--port', 'abc'], /Invalid port/],
  ])('reports %s in one line with exit code 2', (_name, args, message) => {
    const dir = tmp();
    const noDefault = path.join(dir, 'no-default.mjs');
    fs.writeFileSync(noDefault, 'export const x = 1;\n');
    const notBackend = path.join(dir, 'not-backend.mjs');
    fs.writeFileSync(notBackend, 'export default class Foo {}\n');
    const real = args.map((a) => (a === 'NO_DEFAULT' ? noDefault : a === 'NOT_BACKEND' ? notBackend : a === 'BASE' ? fixture('base.ts') : a));
    const r = lsml(...real);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('    at ');
  });

  it('answers in-flight requests on SIGTERM and exits 0', async () => {
    const dir = tmp();
    const file = path.join(dir, 'slow.mjs');
    fs.writeFileSync(
      file,
      "import { defineBackend } from '@lsml/core';\nexport default defineBackend({ name: 'Slow', predict: async (t) => { await new Promise((r) => setTimeout(r, 700)); return t.map(() => ({ result: [], slow: true })); } });\n",
    );
    fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
    const b = await spawnBackend(file);
    const pending = Array.from({ length: 5 }, () =>
      fetch(`${b.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tasks: [{}] }) }),
    );
    await new Promise((r) => setTimeout(r, 200));
    const exit = b.stop('SIGTERM');
    const responses = await Promise.all(pending);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await exit).toBe(0);
  });

  it('passes --with / --kwargs / LSML_EXTRA_PARAMS to the model as default extra params', async () => {
    const dir = tmp();
    const file = path.join(dir, 'params.mjs');
    fs.writeFileSync(file, "import { defineBackend } from '@lsml/core';\nexport default defineBackend({ name: 'Params', predict: (t, { model }) => t.map(() => ({ result: [], params: model.extraParams })) });\n");
    fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
    const b = await spawnBackend(file, {
      args: ['--with', 'threshold=0.5', 'n=3', 'on=true', 'name=a=b', '--kwargs', 'legacy=x'],
      env: { LSML_EXTRA_PARAMS: '{"from_env": [1], "n": 1}' },
    });
    const post = async (route: string, body: unknown) =>
      (await fetch(`${b.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;
    try {
      expect(await (await fetch(`${b.url}/health`)).json()).toEqual({ model_class: 'Params', status: 'UP' });
      const predict = () => post('/predict', { tasks: [{ data: {} }], project: '4.1' }).then((r) => (r.results as Array<{ params: unknown }>)[0]!.params);
      expect(await predict()).toEqual({ from_env: [1], n: 3, threshold: 0.5, on: true, name: 'a=b', legacy: 'x' });
      // Label Studio's "Extra params" for the connection win, key by key.
      await post('/setup', { project: '4.1', schema: '<View></View>', extra_params: '{"threshold": 0.9}' });
      expect(await predict()).toMatchObject({ threshold: 0.9, n: 3 });
    } finally {
      await b.stop();
    }
  });

  it('reports the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(lsml('--version').stdout.trim()).toBe(pkg.version);
  });

  it('documents --with and the create command', () => {
    const start = lsml('start', '--help').stdout.replace(/\s+/g, ' ');
    expect(start).toContain('--with <key=value...>');
    expect(start).toContain('--kwargs <key=value...>');
    expect(start).toContain('(env: LSML_EXTRA_PARAMS as a JSON object)');
    const create = lsml('create', '--help');
    expect(create.status).toBe(0);
    for (const t of ['basic', 'text-classifier', 'gpt2', 'ner', 'interactive', 'tfjs', 'onnx', 'transformers']) expect(create.stdout).toContain(t);
  });

  it('scaffolds into a new or empty directory and prints the next steps', () => {
    const dir = path.join(tmp(), 'My Backend');
    fs.mkdirSync(path.join(dir, '.git'), { recursive: true }); // a fresh `git init` counts as empty
    const r = lsml('create', dir, '--template', 'interactive');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('npm install');
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    expect(pkg.name).toBe('my-backend');
    expect(Object.keys(pkg.dependencies)).toEqual(['@lsml/core']);
    expect(fs.readFileSync(path.join(dir, 'src/model.ts'), 'utf8')).toContain('export default class MyBackend extends LabelStudioMLBase');
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('Interactive preannotations');
  });

  it.each([
    ['an unknown template', ['create', 'DIR', '--template', 'nope'], /Unknown template "nope": choose one of basic, gpt2, interactive, ner, text-classifier/],
    ['an unknown adapter', ['create', 'DIR', '--template', 'text-classifier', '--adapter', 'torch'], /Unknown adapter "torch": choose one of tfjs, onnx, transformers/],
    ['an adapter the template does not offer', ['create', 'DIR', '--template', 'ner', '--adapter', 'tfjs'], /Template "ner" works with transformers, not tfjs/],
    ['an adapter for a core-only template', ['create', 'DIR', '--adapter', 'onnx'], /Template "basic" uses no adapter/],
    ['a non-empty directory', ['create', 'FULL'], /is not empty; refusing to overwrite it/],
    ['a file in the way', ['create', 'FILE'], /exists and is not a directory/],
    ['a missing directory argument', ['create'], /missing required argument 'dir' \(see 'lsml create --help'\)/],
    ['an unknown option', ['start', 'BASE', '--bogus'], /unknown option '--bogus' \(see 'lsml start --help'\)/],
    ['a --with without a value', ['start', 'BASE', '--with', 'threshold'], /--with expects KEY=VALUE, got "threshold"/],
    ['bad LSML_EXTRA_PARAMS', ['start', 'BASE', 'BAD_ENV'], /LSML_EXTRA_PARAMS must be a JSON object/],
  ])('reports %s in one line with exit code 2', (_name, args, message) => {
    const dir = tmp();
    const full = path.join(dir, 'full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
    fs.writeFileSync(path.join(dir, 'file'), '');
    const env: Record<string, string> = {};
    const real = args.flatMap((a) => {
      if (a === 'BAD_ENV') {
        env.LSML_EXTRA_PARAMS = '[1, 2]';
        return [];
      }
      return [({ DIR: path.join(dir, 'new'), FULL: full, FILE: path.join(dir, 'file'), BASE: fixture('base.ts') } as Record<string, string>)[a] ?? a];
    });
    const r = spawnSync(process.execPath, [CLI, ...real], { encoding: 'utf8', env: { ...process.env, LOG_FORMAT: 'json', ...env } });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('    at ');
    expect(fs.readdirSync(full)).toEqual(['keep.txt']);
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
  });

  it('shows the stack trace of a CLI error with --debug', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const r = lsml('create', dir, '--debug');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not empty/);
    expect(r.stderr).toContain('    at ');
  });
});
