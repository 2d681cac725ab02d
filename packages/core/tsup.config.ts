import { defineConfig } from 'tsup';

// The package's entry points: `.` (everything), the subpath parts (each loads only what it needs:
// `@lsml/core/label-config` loads no server and no native module), the CLI, the `create` API and the
// thread-pool worker.
const parts = {
  index: 'src/index.ts',
  'label-config': 'src/label-config/index.ts',
  media: 'src/media/index.ts',
  training: 'src/training/index.ts',
  server: 'src/parts/server.ts',
  testing: 'src/testing/index.ts',
  create: 'src/cli/create-entry.ts',
  express: 'src/express.ts',
};

export default defineConfig({
  entry: { ...parts, cli: 'src/cli/cli.ts', 'thread-worker': 'src/threads/thread-worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: parts },
  // Shared chunks in both formats, so that every entry point of one format shares one copy of each
  // class (an error thrown by `@lsml/core/label-config` is `instanceof` the one from `@lsml/core`).
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url in the CJS build (the thread pool, optional-dependency loading and the templates folder use it).
  shims: true,
});
