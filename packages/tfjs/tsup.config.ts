import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // runtime.ts locates the wasm binaries from import.meta.url, which the CJS build needs shimmed.
  shims: true,
});
