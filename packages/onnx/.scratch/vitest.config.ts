import { defineConfig } from 'vitest/config';
import path from 'node:path';
export default defineConfig({
  resolve: { alias: { '@lsml/core': path.resolve(__dirname, 'core-shim.ts') } },
  test: { root: path.resolve(__dirname, '../../..'), testTimeout: 30000, pool: 'forks' },
});
