// The subpath entry points of the built package: `@lsml/core/label-config` must load no HTTP server
// and no native module (a tokenizer or a validator in a browser bundle or a CLI should not pay for
// express, prom-client, piscina and better-sqlite3), and every part resolves in ESM and CJS.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CORE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Loaded {
  exports: string[];
  packages: string[];
  builtins: string[];
  native: string[];
}

/**
 * Load `specifier` in a fresh node process (ESM `import` or CJS `require`) and report what it loaded:
 * the npm packages in the CJS module cache (ESM imports of CJS packages land there too), the node
 * built-ins (`process.moduleLoadList`) and the native addons (`process.dlopen` calls).
 */
function load(specifier: string, mode: 'esm' | 'cjs'): Loaded {
  const script = `
    const { createRequire } = require('node:module');
    const native = [];
    const dlopen = process.dlopen;
    process.dlopen = function (module, file, ...rest) { native.push(file); return dlopen.call(this, module, file, ...rest); };
    const req = createRequire(${JSON.stringify(path.join(CORE, 'package.json'))});
    const done = (mod) => {
      const packages = [...new Set(Object.keys(req.cache).map((f) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(f)?.[1]).filter(Boolean))];
      const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
      process.stdout.write(JSON.stringify({ exports: Object.keys(mod), packages, builtins, native }));
    };
    ${mode === 'esm' ? `import(${JSON.stringify(specifier)}).then(done)` : `done(req(${JSON.stringify(specifier)}))`};
  `;
  // Run from the package folder so that the self-reference `@lsml/core/...` resolves through `exports`.
  const out = execFileSync(process.execPath, ['-e', script], { cwd: CORE, encoding: 'utf8' });
  return JSON.parse(out) as Loaded;
}

const HEAVY = ['express', 'prom-client', 'piscina', 'better-sqlite3', 'ioredis', 'bullmq', 'pino', 'commander'];

describe('subpath entry points (built dist)', () => {
  for (const mode of ['esm', 'cjs'] as const) {
    it(`@lsml/core/label-config (${mode}) loads no HTTP server and no native module`, () => {
      const loaded = load('@lsml/core/label-config', mode);
      expect(loaded.exports).toEqual(expect.arrayContaining(['LabelInterface', 'parseConfig', 'validatePrediction', 'LabelConfigError']));
      expect(loaded.packages.filter((p) => HEAVY.includes(p))).toEqual([]);
      expect(loaded.builtins.filter((m) => m === 'http' || m === '_http_server' || m === 'https' || m === 'worker_threads')).toEqual([]);
      expect(loaded.native).toEqual([]);
    });
  }

  it('the whole package still loads everything (the control: the probe sees what it looks for)', () => {
    const loaded = load('@lsml/core', 'cjs');
    expect(loaded.packages).toEqual(expect.arrayContaining(['better-sqlite3', 'prom-client']));
    // Express is only loaded by `@lsml/core/express` (the default server is node:http).
    expect(loaded.packages).not.toContain('express');
    expect(loaded.builtins).toContain('_http_server');
  });

  it('@lsml/core/testing loads no server either, and every part resolves in ESM and CJS', () => {
    const testing = load('@lsml/core/testing', 'esm');
    expect(testing.exports).toEqual(expect.arrayContaining(['lsTask', 'lsProject', 'lsAnnotation', 'annotationWebhook']));
    expect(testing.packages.filter((p) => HEAVY.includes(p))).toEqual([]);
    const expected: Record<string, string[]> = {
      media: ['getLocalPath', 'preloadTaskData', 'MediaError'],
      training: ['SqliteTrainingQueue', 'createJobProcessor', 'LabelStudioClient'],
      server: ['createServer', 'serve', 'HttpError', 'loadConfig'],
    };
    for (const [part, names] of Object.entries(expected)) {
      for (const mode of ['esm', 'cjs'] as const) expect(load(`@lsml/core/${part}`, mode).exports).toEqual(expect.arrayContaining(names));
    }
  });
});
