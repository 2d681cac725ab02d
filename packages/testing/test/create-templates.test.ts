// `lsml create` end to end: every template (and each text-classifier adapter) is scaffolded inside the
// workspace (so `@lsml/*` resolve to the local packages through node_modules, as after `npm install`),
// then its own generated test runs with vitest and `lsml start` serves its model.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'packages/core/dist/cli.js');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const MODELS = path.join(ROOT, 'packages/transformers/test/models');

interface Combo {
  template: string;
  adapter?: string;
  className: string;
  /** Environment of the generated project's test and server (the transformers ones run the tiny local models). */
  env?: Record<string, string>;
}
const COMBOS: Combo[] = [
  { template: 'basic', className: 'Basic' },
  { template: 'interactive', className: 'Interactive' },
  { template: 'text-classifier', className: 'TextClassifierTfjs' },
  { template: 'text-classifier', adapter: 'onnx', className: 'TextClassifierOnnx' },
  { template: 'text-classifier', adapter: 'transformers', className: 'TextClassifierTransformers', env: { MODEL_NAME: path.join(MODELS, 'tiny-bert-sst2') } },
  { template: 'gpt2', className: 'Gpt2', env: { MODEL_NAME: path.join(MODELS, 'tiny-gpt2') } },
  { template: 'ner', className: 'Ner', env: { MODEL_NAME: path.join(MODELS, 'tiny-bert-ner') } },
];
const dirName = (c: Combo) => (c.template === 'text-classifier' ? `text-classifier-${c.adapter ?? 'tfjs'}` : c.template);

let tmp: string;
/** The generated projects' own test runs, started together in beforeAll (2 at a time). */
const runs = new Map<string, Promise<{ code: number | null; output: string }>>();

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && k !== 'NODE_OPTIONS'));
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

function runVitest(cwd: string, env: Record<string, string> | undefined): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--reporter=dot'], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

beforeAll(() => {
  fs.mkdirSync(path.join(ROOT, '.lsml-tmp'), { recursive: true });
  tmp = fs.mkdtempSync(path.join(ROOT, '.lsml-tmp', 'create-'));
  for (const c of COMBOS) {
    const args = [CLI, 'create', path.join(tmp, dirName(c)), '--template', c.template, ...(c.adapter ? ['--adapter', c.adapter] : [])];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`lsml create ${c.template} failed: ${r.stderr}`);
  }
  let queue = Promise.resolve();
  const slots = [queue, queue];
  COMBOS.forEach((c, i) => {
    const slot = i % slots.length;
    const run = slots[slot]!.then(() => runVitest(path.join(tmp, dirName(c)), c.env));
    slots[slot] = run.then(() => undefined);
    runs.set(dirName(c), run);
  });
});

afterAll(async () => {
  await Promise.allSettled(runs.values());
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('lsml create', () => {
  it.each(COMBOS.map((c) => [dirName(c), c] as const))('%s: writes a complete standalone project', (name, c) => {
    const dir = path.join(tmp, name);
    const files = spawnSync('find', ['.', '-type', 'f'], { cwd: dir, encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((f) => f.slice(2)).sort();
    expect(files).toEqual(
      expect.arrayContaining(['.dockerignore', '.gitignore', 'Dockerfile', 'README.md', 'package.json', 'src/model.test.ts', 'src/model.ts', 'tsconfig.json', 'vitest.config.ts']),
    );
    for (const f of files.filter((f) => !f.endsWith('.onnx'))) expect(fs.readFileSync(path.join(dir, f), 'utf8'), f).not.toMatch(/\{\{\w+\}\}/);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'packages/core/package.json'), 'utf8')) as { version: string }).version;
    expect(pkg.dependencies!['@lsml/core']).toBe(`^${version}`);
    expect(pkg.devDependencies!['@lsml/testing']).toBe(`^${version}`);
    const adapter = c.adapter ?? (c.template === 'gpt2' || c.template === 'ner' ? 'transformers' : c.template === 'text-classifier' ? 'tfjs' : undefined);
    expect(Object.keys(pkg.dependencies!).filter((d) => d.startsWith('@lsml/'))).toEqual(['@lsml/core', ...(adapter ? [`@lsml/${adapter}`] : [])]);
    // The workspace's own tool versions.
    const root = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const tool of ['vitest', 'typescript', '@types/node']) expect(pkg.devDependencies![tool]).toBe(root.devDependencies[tool]);
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('Settings → Model → Connect Model');
    expect(readme).toContain(`{"model_class":"${c.className}","status":"UP"}`);
    expect(fs.readFileSync(path.join(dir, 'src/model.ts'), 'utf8')).toContain(c.className);
  });

  it.each(COMBOS.map((c) => [dirName(c), c] as const))('%s: its generated test passes (vitest)', { timeout: 120_000 }, async (name) => {
    const { code, output } = await runs.get(name)!;
    expect(code, output).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(output.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+\d+ passed \(\d+\)/);
  });

  it.each(COMBOS.map((c) => [dirName(c), c] as const))('%s: `lsml start` serves it', { timeout: 60_000 }, async (name, c) => {
    const backend = await startBackend(path.join(tmp, name, 'src/model.ts'), { env: c.env });
    try {
      const res = await fetch(`${backend.url}/health`);
      expect(await res.json()).toEqual({ model_class: c.className, status: 'UP' });
    } finally {
      await backend.stop();
    }
  });
});
