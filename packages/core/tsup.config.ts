import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/cli.ts', 'thread-worker': 'src/threads/thread-worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url in the CJS build (the thread pool and optional-dependency loading use it).
  shims: true,
});
