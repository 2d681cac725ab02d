// `npm run docs:check` as part of `npm test` (so CI runs it): TypeDoc finds every public export of every
// package documented, with no broken link.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('API reference', () => {
  it('documents every export (npm run docs:check)', { timeout: 300_000 }, () => {
    const r = spawnSync(process.execPath, ['scripts/docs-check.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('every export documented');
  });
});
