// Headless Chromium (Debian's, never a downloaded build) driving Label Studio's editor.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { EditorServer } from './editor-server.js';
import type { LsTask } from '@lsml/core/testing';
import type { ResultItem, StoredPrediction, SubmittedAnnotation } from './label-studio.js';

export const CHROMIUM_PATH = process.env.LSML_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumMissing = fs.existsSync(CHROMIUM_PATH)
  ? null
  : `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set LSML_E2E_CHROMIUM)`;

/** Repository root (screenshots for the READMEs are written relative to it). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // Nothing but localhost resolves: the page could not reach the internet even if it tried.
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    ],
  });
}

export interface EditorOptions {
  config: string;
  task: LsTask;
  predictions?: StoredPrediction[];
  /** Label Studio's interactive-annotating API; when given, Auto-Annotation is switched on. */
  interactive?: (request: { task: number; context: unknown }) => Promise<unknown>;
  /** Show each region's label inside the text (the editor's "Show labels inside the regions"). */
  showLabels?: boolean;
  viewport?: { width: number; height: number };
}

export interface EditorRegion {
  id: string;
  type: string;
  labels: string[];
  text: string | null;
  spans: Array<{ text: string; connected: boolean }> | null;
}

/** What the editor holds (store) and shows (DOM) for the selected annotation. */
export interface EditorState {
  annotation: { pk: string | null; type: string; parentPrediction: number | string | null; result: ResultItem[] };
  predictions: Array<{ pk: string; createdBy: string; result: ResultItem[] }>;
  regions: EditorRegion[];
  dom: {
    spans: Array<{ text: string; label: string | null }>;
    checkedChoices: string[];
    choices: string[];
    textAreaItems: string[];
    text: string | null;
  };
  submitted: SubmittedAnnotation[];
  interactive: { calls: number; pending: number; errors: string[] };
}

interface PageGlobals {
  lsml: {
    boot(opts: { config: string; task: { id: number; data: unknown }; predictions: unknown[]; user: unknown; interactive: boolean; showLabels: boolean }): Promise<void>;
    readBack(): EditorState;
  };
}

const isLocal = (url: string) => {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
};

export class EditorPage {
  /** Every URL the page asked for. */
  readonly requests: string[] = [];
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[] = [];

  private constructor(readonly page: Page) {}

  static async open(browser: Browser, server: EditorServer, opts: EditorOptions): Promise<EditorPage> {
    const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1100, height: 700 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(20_000);
    const editor = new EditorPage(page);
    page.on('request', (r) => editor.requests.push(r.url()));
    page.on('pageerror', (e) => editor.pageErrors.push(e.message));
    if (opts.interactive) await page.exposeFunction('lsmlInteractive', opts.interactive);
    await page.goto(server.url);
    await page.evaluate(
      (o) => (window as unknown as PageGlobals).lsml.boot(o),
      {
        config: opts.config,
        task: { id: opts.task.id, data: opts.task.data },
        predictions: opts.predictions ?? [],
        user: { id: 1, firstName: 'Ann', lastName: 'Otator', username: 'annotator', email: 'annotator@localhost' },
        interactive: Boolean(opts.interactive),
        showLabels: opts.showLabels ?? false,
      },
    );
    return editor;
  }

  /** Requests that left localhost (there must be none). */
  offsite(): string[] {
    return this.requests.filter((u) => !isLocal(u));
  }

  readBack(): Promise<EditorState> {
    return this.page.evaluate(() => (window as unknown as PageGlobals).lsml.readBack());
  }

  /** Let the editor react to the last input and paint (two animation frames). */
  async settle(): Promise<void> {
    await this.page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  }

  /** Pick a label in a Labels control (before selecting text). */
  async clickLabel(value: string): Promise<void> {
    await this.page.locator('.lsf-labels .lsf-label', { has: this.page.locator('.lsf-label__text', { hasText: new RegExp(`^${escapeRegExp(value)}$`) }) }).first().click();
    await this.settle();
  }

  /** Tick or untick a choice the way an annotator does: a click on its label. */
  async clickChoice(value: string): Promise<void> {
    await this.page.locator(`.lsf-main-view__annotation label:has(input[name="${value.replace(/"/g, '\\"')}"])`).click();
    await this.settle();
  }

  /**
   * Select the characters [start, end) (UTF-16 offsets into the task text, as Label Studio counts)
   * with a mouse drag, like an annotator.
   */
  async selectText(start: number, end: number): Promise<void> {
    const points = await this.page.evaluate(
      ([s, e]) => {
        const container = document.querySelector('.lsf-richtext__container');
        if (!container) throw new Error('no text on the page');
        const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        let offset = 0;
        let startSet = false;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const len = node.textContent?.length ?? 0;
          if (!startSet && s < offset + len) {
            range.setStart(node, s - offset);
            startSet = true;
          }
          if (startSet && e <= offset + len) {
            range.setEnd(node, e - offset);
            break;
          }
          offset += len;
        }
        const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        const first = rects[0];
        const last = rects[rects.length - 1];
        if (!first || !last) throw new Error(`characters ${s}-${e} are not on screen`);
        return { from: { x: first.left + 1, y: first.top + first.height / 2 }, to: { x: last.right - 1, y: last.top + last.height / 2 } };
      },
      [start, end] as const,
    );
    const { mouse } = this.page;
    await mouse.move(points.from.x, points.from.y);
    await mouse.down();
    await mouse.move(points.to.x, points.to.y, { steps: 4 });
    await mouse.up();
    await this.settle();
  }

  /** Wait until the interactive calls made so far have come back and been painted. */
  async waitForInteractive(calls: number): Promise<void> {
    await this.page.waitForFunction(
      (n) => {
        const s = (window as unknown as PageGlobals).lsml.readBack().interactive;
        return s.calls >= n && s.pending === 0;
      },
      calls,
    );
  }

  /** Press Submit; resolves with what Label Studio's front end would post for it. */
  async submit(): Promise<SubmittedAnnotation> {
    const before = (await this.readBack()).submitted.length;
    await this.page.getByRole('button', { name: 'Submit' }).click();
    await this.page.waitForFunction((n) => (window as unknown as PageGlobals).lsml.readBack().submitted.length > n, before);
    return (await this.readBack()).submitted[before]!;
  }

  /**
   * A PNG of the editor, cropped to what it draws. Written to `file` (relative to the repository root)
   * when LSML_E2E_SCREENSHOTS=1, otherwise to the temp folder, so plain test runs leave the tree alone.
   */
  async screenshot(file: string, selector = '#label-studio'): Promise<{ png: Buffer; path: string }> {
    await this.page.mouse.move(0, 0);
    const box = await this.page.locator(selector).first().boundingBox();
    if (!box) throw new Error(`${selector} is not visible`);
    const png = await this.page.screenshot({ clip: { x: box.x, y: box.y, width: Math.ceil(box.width), height: Math.ceil(box.height) }, animations: 'disabled' });
    const target = process.env.LSML_E2E_SCREENSHOTS === '1' ? path.join(REPO_ROOT, file) : path.join(os.tmpdir(), 'lsml-e2e-screenshots', file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, png);
    return { png, path: target };
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Width and height of a PNG, from its IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
