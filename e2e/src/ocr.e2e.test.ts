// apps/ocr in Label Studio's editor, interactively: the annotator picks a label and drags a box over
// the title of scikit-image's page photo (served by the harness; the backend reads the same URL), the
// editor's new region goes to /predict as `context` (as Label Studio's front end and server send it),
// and the recognised text comes back into that region's per-region TextArea.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type Backend } from './harness/backend.js';
import { EditorPage, launchBrowser } from './harness/editor.js';
import { startEditorServer, type EditorServer } from './harness/editor-server.js';
import { lsTask } from '@lsml/core/testing';
import { LabelStudioProject, type BackendPrediction } from './harness/label-studio.js';
import { appModel, editorSuite } from './harness/suite.js';

const CONFIG = `<View>
  <Image name="image" value="$ocr"/>
  <RectangleLabels name="bbox" toName="image" strokeWidth="3" smart="true">
    <Label value="Text" background="green"/>
    <Label value="Handwriting" background="blue"/>
  </RectangleLabels>
  <TextArea name="transcription" toName="image" editable="true" perRegion="true" required="false" maxSubmissions="1" rows="5" placeholder="Recognized Text" displayMode="region-list"/>
</View>`;

/** 1 - Levenshtein / length, whitespace folded. */
function accuracy(recognised: string, truth: string): number {
  const a = [...recognised.replace(/\s+/g, ' ').trim()];
  const b = [...truth];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return 1 - prev[b.length]! / b.length;
}

const app = appModel('ocr');

editorSuite('ocr in the Label Studio editor', [app.missing], () => {
  let backend: Backend;
  let server: EditorServer;
  let browser: Browser;
  let project: LabelStudioProject;

  beforeAll(async () => {
    [backend, server, browser] = await Promise.all([app.load().then((Model) => startBackend(Model)), startEditorServer(), launchBrowser()]);
    project = new LabelStudioProject(backend.url, 41, CONFIG);
    expect((await project.setup()).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), backend?.close()]);
  });

  it('a box drawn over the title comes back with its text in the region’s TextArea', async () => {
    const task = lsTask(1, { ocr: `${server.url}images/page.png` }, project.id);
    const calls: Array<{ context: unknown; answer: { data?: BackendPrediction; errors?: string[] } }> = [];
    const editor = await EditorPage.open(browser, server, {
      config: CONFIG,
      task,
      viewport: { width: 1100, height: 700 },
      interactive: async ({ context }) => {
        const answer = await project.interactive(task, context);
        calls.push({ context, answer });
        return answer;
      },
    });
    try {
      const img = editor.page.locator('img[src*="/images/page.png"]').first();
      await img.waitFor({ state: 'visible' });
      await editor.page.waitForFunction(() => Array.from(document.querySelectorAll('img')).some((i) => i.src.includes('/images/page.png') && i.complete && i.naturalWidth > 0));
      await editor.settle();
      const box = (await img.boundingBox())!;
      // The title: x 0–80 %, y 0–16 % of the 384 × 191 photo.
      // As in Label Studio: pick the label, then the smart (auto-annotation) rectangle tool, whose boxes
      // are the ones the editor sends to the backend.
      // "Auto accept annotation suggestions" (the toggle next to Auto-Annotation): the transcription goes
      // straight into the drawn region instead of waiting for the annotator to accept it.
      await editor.page.evaluate(() => (window as unknown as { Htx: { setAutoAcceptSuggestions(v: boolean): void } }).Htx.setAutoAcceptSuggestions(true));
      await editor.clickLabel('Text');
      await editor.page.locator('.lsf-tool_smart').first().click();
      await editor.settle();
      const { mouse } = editor.page;
      await mouse.move(box.x + box.width * 0.003, box.y + box.height * 0.005);
      await mouse.down();
      await mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.16, { steps: 8 });
      await mouse.up();
      await editor.settle();
      await editor.waitForInteractive(1);

      // Label Studio sent exactly the drawn rectangle as context.
      expect(calls).toHaveLength(1);
      const context = calls[0]!.context as { result: Array<{ id: string; type: string; value: Record<string, number> }> };
      expect(context.result).toHaveLength(1);
      const drawn = context.result[0]!;
      expect(drawn.type).toBe('rectanglelabels');
      expect(drawn.value.x).toBeLessThan(2);
      expect(drawn.value.width).toBeGreaterThan(70);

      // The answer is the TextArea of that region …
      const answer = calls[0]!.answer.data!;
      expect(answer.result).toHaveLength(2);
      expect(answer.result[0]).toMatchObject({ id: drawn.id, from_name: 'transcription', to_name: 'image', type: 'textarea' });
      const recognised = (answer.result[0]!.value as { text: string[] }).text[0]!;
      console.log(`recognised in the drawn box: ${JSON.stringify(recognised)}`);
      expect(accuracy(recognised, 'Region-based segmentation')).toBeGreaterThanOrEqual(0.7);

      // … and the editor holds it on the drawn region: one rectangle, its transcription = the backend's text.
      const state = await editor.readBack();
      const transcriptions = state.annotation.result.filter((r) => r.type === 'textarea');
      expect(transcriptions.map((r) => r.id)).toContain(drawn.id);
      expect(transcriptions.find((r) => r.id === drawn.id)!.value).toMatchObject({ text: [recognised] });
      expect(editor.pageErrors).toEqual([]);
      expect(editor.offsite()).toEqual([]);
      await editor.screenshot('apps/ocr/editor.png');
    } finally {
      await editor.close();
    }
  }, 90_000);
});
