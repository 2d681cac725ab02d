#!/usr/bin/env node
// `npm run docs:check`: TypeDoc over every package's public entry points (typedoc.json), without
// writing the site. Fails on any TypeDoc warning: an export without a doc comment, a broken {@link}, a
// public type that references an unexported one. Run by `npm test` (packages/testing/test/api-docs.test.ts).
//
// docs/undocumented-exports.txt lists the exports that predate this check and still lack a comment (one
// `package/src/file.ts: Name` a line): they are reported but tolerated, the list may only shrink
// (an entry that is documented now fails the check until it is removed), and a new export is never on it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const baselineFile = path.join(root, 'docs/undocumented-exports.txt');
const baseline = new Set(
  fs.existsSync(baselineFile)
    ? fs
        .readFileSync(baselineFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [],
);

let output;
try {
  output = execFileSync(process.execPath, [path.join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', '--treatWarningsAsErrors', 'false', '--treatValidationWarningsAsErrors', 'false'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
} catch (err) {
  process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}\nTypeDoc failed (see above)\n`);
  process.exit(1);
}
// eslint-disable-next-line no-control-regex
const lines = output.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
const problems = [];
const seen = new Set();
for (const line of lines) {
  if (!/^\[(warning|error)\]/.test(line) || /Found \d+ errors? and \d+ warnings?/.test(line)) continue;
  const m = /^\[warning\] (\S+) \((\w+)\), defined in @lsml\/([^,]+), does not have any documentation/.exec(line);
  if (m) {
    const key = `${m[3]}: ${m[1]}`;
    seen.add(key);
    if (baseline.has(key)) continue;
  }
  problems.push(line);
}
const stale = [...baseline].filter((k) => !seen.has(k));
for (const k of stale) problems.push(`[stale] ${k} is documented now (or gone): remove it from docs/undocumented-exports.txt`);
if (problems.length) {
  process.stderr.write(`${problems.join('\n')}\n\n${problems.length} API documentation problem(s): every export of a package's entry point needs a /** doc comment */.\n`);
  process.exit(1);
}
process.stdout.write(`API docs: every export documented (${baseline.size} older ones still listed in docs/undocumented-exports.txt)\n`);
