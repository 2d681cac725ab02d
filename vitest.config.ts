import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'e2e/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Test files run side by side on shared cores: model threads keep normal priority here, so a busy
    // runner cannot starve them into timeouts (thread-pool.test.ts checks the priority itself).
    env: { LSML_THREAD_NICE: '0' },
  },
});
