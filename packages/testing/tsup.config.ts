import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url in the CJS build (runtime.ts finds onnxruntime-node's native folder with it).
  shims: true,
  external: ['onnxruntime-node', '@lsml/core'],
  target: 'node20',
});
