import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/cli.ts', create: 'src/cli/create-entry.ts', express: 'src/express.ts', 'thread-worker': 'src/threads/thread-worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', create: 'src/cli/create-entry.ts', express: 'src/express.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url in the CJS build (the thread pool, optional-dependency loading and the templates folder use it).
  shims: true,
});
