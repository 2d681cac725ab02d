import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url in the CJS build (protocol/cases.json is found relative to the module).
  shims: true,
  external: ['@lsml/core', 'vitest'],
  target: 'node20',
});
