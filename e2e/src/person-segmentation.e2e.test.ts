// apps/person-segmentation in Label Studio's editor: Selfie's mask of the astronaut (served by the
// harness, read by the backend from the same URL) arrives as brush RLE; the editor decodes it onto its
// canvas, and the RLE it stores decodes to the same pixel count (±0.5 %) at the original 512×512.
import type { Browser } from 'playwright-core';
import { decodeRle } from '@lsml/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type Backend } from './harness/backend.js';
import { EditorPage, launchBrowser } from './harness/editor.js';
import { startEditorServer, type EditorServer } from './harness/editor-server.js';
import { expectAnnotationFromPrediction, expectCleanPage } from './harness/expectations.js';
import { waitForImage } from './harness/images.js';
import { lsTask } from '@lsml/core/testing';
import { LabelStudioProject, type StoredPrediction } from './harness/label-studio.js';
import { appModel, editorSuite } from './harness/suite.js';

const CONFIG = `<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="mask" toName="image"><Label value="Person" predicted_values="person" background="#8e24aa"/></BrushLabels>
</View>`;

const app = appModel('person-segmentation');
const inside = (rle: unknown) => decodeRle(rle as number[]).reduce((n, v) => n + (v >= 128 ? 1 : 0), 0);

editorSuite('person-segmentation in the Label Studio editor', [app.missing], () => {
  let backend: Backend;
  let server: EditorServer;
  let browser: Browser;
  let project: LabelStudioProject;
  let prediction: StoredPrediction;

  beforeAll(async () => {
    [backend, server, browser] = await Promise.all([app.load().then((Model) => startBackend(Model)), startEditorServer(), launchBrowser()]);
    project = new LabelStudioProject(backend.url, 23, CONFIG);
    expect((await project.setup()).status).toBe(200);
    const { stored } = await project.predict([lsTask(1, { image: `${server.url}images/astronaut.jpg` }, project.id)]);
    prediction = stored[0]!;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), backend?.close()]);
  });

  it('astronaut.jpg: the brush mask the editor stores decodes to the model mask’s pixel count (±0.5 %)', async () => {
    const [region] = prediction.result;
    expect(region).toMatchObject({ type: 'brushlabels', original_width: 512, original_height: 512, value: { format: 'rle', brushlabels: ['Person'] } });
    const expected = inside(region!.value.rle);
    expect(expected).toBeGreaterThan(0.25 * 512 * 512);
    const editor = await EditorPage.open(browser, server, { config: CONFIG, task: lsTask(1, { image: `${server.url}images/astronaut.jpg` }, project.id), predictions: [prediction] });
    try {
      await waitForImage(editor, 1);
      // The editor paints the RLE on its own canvas; once drawn, it serialises the region again.
      await editor.page.waitForTimeout(500);
      const state = await editor.readBack();
      expectAnnotationFromPrediction(state, prediction);
      expect(state.regions.map((r) => r.labels)).toEqual([['Person']]);
      const shown = state.annotation.result[0]!;
      expect(shown).toMatchObject({ original_width: 512, original_height: 512 });
      const stored = inside(shown.value.rle);
      expect(Math.abs(stored - expected) / expected).toBeLessThanOrEqual(0.005);
      expectCleanPage(editor, server);
      await editor.screenshot('apps/person-segmentation/editor.png');
    } finally {
      await editor.close();
    }
  }, 60_000);
});
