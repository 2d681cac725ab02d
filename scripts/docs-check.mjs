#!/usr/bin/env node
// `npm run docs:check`: TypeDoc over every package's public entry points (typedoc.json), without
// writing the site. Fails on any TypeDoc warning or error: an export (or a member of an exported class or
// interface) without a doc comment, a broken {@link}, a tag TypeDoc does not know. Run by `npm test`
// through packages/testing/test/api-docs.test.ts.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const run = spawnSync(process.execPath, [path.join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  maxBuffer: 1 << 26,
});
// eslint-disable-next-line no-control-regex
const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.replace(/\u001b\[[0-9;]*m/g, '');
const problems = output.split('\n').filter((l) => /\[(warning|error)\]/.test(l) && !/Found \d+ errors? and \d+ warnings?/.test(l));
if (run.status !== 0 || problems.length) {
  process.stderr.write(
    `${problems.length ? problems.join('\n') : output}\n\nAPI documentation check failed: every export of a package's entry point, and every member of an exported\nclass or interface, needs a /** doc comment */ (see CONTRIBUTING.md, "API documentation").\n`,
  );
  process.exit(1);
}
process.stdout.write('API docs: every export documented, every link resolved\n');
