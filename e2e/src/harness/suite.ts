// Which editor suites can run here, and why not when they cannot.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe } from 'vitest';
import type { BackendClass } from '@lsml/core';
import { chromiumMissing, REPO_ROOT } from './editor.js';

export interface AppModel {
  /** `apps/<name>/src/model.ts` */
  readonly file: string;
  /** Why it cannot be loaded (the app is not there yet), or null. */
  readonly missing: string | null;
  /** The app's default export: its model class. */
  load(): Promise<BackendClass>;
}

export function appModel(app: string): AppModel {
  const file = path.join(REPO_ROOT, 'apps', app, 'src', 'model.ts');
  const missing = fs.existsSync(file) ? null : `apps/${app}/src/model.ts does not exist yet`;
  return {
    file,
    missing,
    async load() {
      // Not a static import: a suite whose app is missing must still load (and be skipped).
      const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { default: BackendClass };
      return mod.default;
    },
  };
}

/**
 * `describe(title, fn)`, or `describe.skip` with the reason in the suite's name when Chromium or the
 * app is missing. A missing Chromium is an error on CI (CI=true), which installs it (.ci/run).
 */
export function editorSuite(title: string, missing: Array<string | null>, fn: () => void): void {
  if (chromiumMissing && process.env.CI) throw new Error(`The editor e2e tests need Chromium on CI: ${chromiumMissing}`);
  const reasons = [chromiumMissing, ...missing].filter((r): r is string => Boolean(r));
  if (reasons.length === 0) describe(title, fn);
  else describe.skip(`${title} (skipped: ${reasons.join('; ')})`, fn);
}
