#!/usr/bin/env node
// The `lsml` command. A committed file (not dist/cli.js itself) so that npm links it during
// `npm install` in a clone, before anything is built; it loads the built CLI, or says how to build it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('lsml: @lsml/core is not built yet (no dist/cli.js): run `npm run build` first (at the repository root)\n');
  process.exit(1);
}
await import(cli.href);
