// `lsml create`'s output: every template (and each text-classifier adapter) with registry versions
// (`--registry`, the path once the packages are published), and from a checkout (`--from`: `file:`
// tarballs). Installing and running the generated projects: pack-install.test.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, COMBOS, comboName, ROOT } from './template-combos.js';

let tmp: string;

beforeAll(() => {
  fs.mkdirSync(path.join(ROOT, '.lsml-tmp'), { recursive: true });
  tmp = fs.mkdtempSync(path.join(ROOT, '.lsml-tmp', 'create-'));
  for (const c of COMBOS) {
    const args = [CLI, 'create', path.join(tmp, comboName(c)), '--template', c.template, ...(c.adapter ? ['--adapter', c.adapter] : []), '--registry'];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`lsml create ${c.template} failed: ${r.stderr}`);
  }
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('lsml create', () => {
  it.each(COMBOS.map((c) => [comboName(c), c] as const))('%s: writes a complete standalone project', (name, c) => {
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

  it('--from <checkout>: the @lsml packages are tarballs copied into the project, with overrides', () => {
    const dir = path.join(tmp, 'from-checkout');
    const r = spawnSync(process.execPath, [CLI, 'create', dir, '--template', 'text-classifier', '--adapter', 'onnx', '--from', ROOT], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`tarballs from ${path.join(ROOT, 'dist-packages')}`);
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'packages/core/package.json'), 'utf8')) as { version: string }).version;
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.dependencies).toEqual({ '@lsml/core': `file:lsml-packages/lsml-core-${version}.tgz`, '@lsml/onnx': `file:lsml-packages/lsml-onnx-${version}.tgz` });
    expect(pkg.devDependencies!['@lsml/testing']).toBe(`file:lsml-packages/lsml-testing-${version}.tgz`);
    expect(pkg.overrides).toEqual({ '@lsml/core': '$@lsml/core', '@lsml/onnx': '$@lsml/onnx', '@lsml/testing': '$@lsml/testing' });
    expect(fs.readdirSync(path.join(dir, 'lsml-packages')).sort()).toEqual([`lsml-core-${version}.tgz`, `lsml-onnx-${version}.tgz`, `lsml-testing-${version}.tgz`]);
    // The Docker build installs them too.
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toMatch(/COPY package\.json package-lock\.json\* \.\/\nCOPY lsml-packages\/ \.\/lsml-packages\/\n/);
  });

  it('--from a folder without the tarballs names what is missing', () => {
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    const r = spawnSync(process.execPath, [CLI, 'create', path.join(tmp, 'nope'), '--from', empty], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has no lsml-core-[\d.]+\.tgz .*npm run pack/);
    expect(fs.existsSync(path.join(tmp, 'nope'))).toBe(false);
  });
});
