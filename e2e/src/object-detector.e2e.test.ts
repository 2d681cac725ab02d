// apps/object-detector in Label Studio's editor: CenterNet's boxes for real photos (served by the
// harness, read by the backend from the same URL) become the annotator's rectangles; the store's
// corners, in original-image pixels, are within 1 px of what the backend answered.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type Backend } from './harness/backend.js';
import { EditorPage, launchBrowser } from './harness/editor.js';
import { startEditorServer, type EditorServer } from './harness/editor-server.js';
import { expectAnnotationFromPrediction, expectCleanPage } from './harness/expectations.js';
import { boxCorners, expectWithin, waitForImage } from './harness/images.js';
import { lsTask } from '@lsml/core/testing';
import { LabelStudioProject, type StoredPrediction } from './harness/label-studio.js';
import { appModel, editorSuite } from './harness/suite.js';

const CONFIG = `<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="person" background="#e53935"/>
    <Label value="cup" background="#1e88e5"/>
    <Label value="Cat" predicted_values="cat" background="#43a047"/>
  </RectangleLabels>
</View>`;
const PHOTOS = [
  { id: 1, file: 'astronaut.jpg', label: 'person' },
  { id: 2, file: 'coffee.jpg', label: 'cup' },
  { id: 3, file: 'chelsea.png', label: 'Cat' },
];

const app = appModel('object-detector');

editorSuite('object-detector in the Label Studio editor', [app.missing], () => {
  let backend: Backend;
  let server: EditorServer;
  let browser: Browser;
  let project: LabelStudioProject;
  let stored: StoredPrediction[];

  beforeAll(async () => {
    [backend, server, browser] = await Promise.all([app.load().then((Model) => startBackend(Model)), startEditorServer(), launchBrowser()]);
    project = new LabelStudioProject(backend.url, 21, CONFIG);
    expect((await project.setup()).status).toBe(200);
    ({ stored } = await project.predict(PHOTOS.map((p) => lsTask(p.id, { image: `${server.url}images/${p.file}` }, project.id))));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), backend?.close()]);
  });

  for (const [i, photo] of PHOTOS.entries()) {
    it(`${photo.file}: the editor holds the predicted "${photo.label}" box, corners within 1 px`, async () => {
      const prediction = stored[i]!;
      expect(prediction.result.some((r) => (r.value as { rectanglelabels?: string[] }).rectanglelabels?.[0] === photo.label)).toBe(true);
      const editor = await EditorPage.open(browser, server, { config: CONFIG, task: lsTask(photo.id, { image: `${server.url}images/${photo.file}` }, project.id), predictions: [prediction] });
      try {
        await waitForImage(editor, prediction.result.length);
        const state = await editor.readBack();
        expectAnnotationFromPrediction(state, prediction);
        expect(state.regions.map((r) => r.labels)).toEqual(prediction.result.map((r) => (r.value as { rectanglelabels: string[] }).rectanglelabels));
        const byId = new Map(state.annotation.result.map((r) => [r.id, r]));
        for (const region of prediction.result) {
          const shown = byId.get(region.id);
          expect(shown, `region ${region.id} in the editor`).toBeDefined();
          expectWithin(boxCorners(shown!), boxCorners(region), 1, `${photo.file} ${region.id}`);
        }
        expectCleanPage(editor, server);
        if (i === 0) await editor.screenshot('apps/object-detector/editor.png');
      } finally {
        await editor.close();
      }
    }, 60_000);
  }
});
