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
});
