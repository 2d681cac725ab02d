import { defineConfig } from 'tsup';

export default defineConfig({
  // text-worker and image-worker run in core's worker threads (runtime.ts / image-runtime.ts point the pools at dist/*-worker.js).
  entry: { index: 'src/index.ts', 'text-worker': 'src/text-worker.ts', 'image-worker': 'src/image-worker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // runtime.ts locates the wasm binaries from import.meta.url, which the CJS build needs shimmed.
  shims: true,
});
