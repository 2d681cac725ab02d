// apps/person-segmentation in Label Studio's editor: Selfie's mask of the astronaut (served by the
// harness, read by the backend from the same URL) arrives as brush RLE; the editor decodes it onto its
// canvas, and the RLE it stores decodes to the same pixel count (±0.5 %) at the original 512×512.
import { decodeRle } from '@lsml/core';
import { expect, it } from 'vitest';
import { EditorPage } from './harness/editor.js';
import { expectAnnotationFromPrediction, expectCleanPage } from './harness/expectations.js';
import { waitForImage } from './harness/images.js';
import { predictedImage } from './harness/image-app.js';
import { appModel, editorSuite } from './harness/suite.js';

const CONFIG = `<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="mask" toName="image"><Label value="Person" predicted_values="person" background="#8e24aa"/></BrushLabels>
</View>`;

const app = appModel('person-segmentation');
const inside = (rle: unknown) => decodeRle(rle as number[]).reduce((n, v) => n + (v >= 128 ? 1 : 0), 0);

editorSuite('person-segmentation in the Label Studio editor', [app.missing], () => {
  const ctx = predictedImage(app, 23, CONFIG, 'astronaut.jpg');

  it('astronaut.jpg: the brush mask the editor stores decodes to the model mask’s pixel count (±0.5 %)', async () => {
    const [region] = ctx.prediction.result;
    expect(region).toMatchObject({ type: 'brushlabels', original_width: 512, original_height: 512, value: { format: 'rle', brushlabels: ['Person'] } });
    const expected = inside(region!.value.rle);
    expect(expected).toBeGreaterThan(0.25 * 512 * 512);
    const editor = await EditorPage.open(ctx.browser, ctx.server, { config: CONFIG, task: ctx.task, predictions: [ctx.prediction] });
    try {
      await waitForImage(editor, 1);
      // The editor paints the RLE on its own canvas; once drawn, it serialises the region again.
      await editor.page.waitForTimeout(500);
      const state = await editor.readBack();
      expectAnnotationFromPrediction(state, ctx.prediction);
      expect(state.regions.map((r) => r.labels)).toEqual([['Person']]);
      const shown = state.annotation.result[0]!;
      expect(shown).toMatchObject({ original_width: 512, original_height: 512 });
      const stored = inside(shown.value.rle);
      expect(Math.abs(stored - expected) / expected).toBeLessThanOrEqual(0.005);
      expectCleanPage(editor, ctx.server);
      await editor.screenshot('apps/person-segmentation/editor.png');
    } finally {
      await editor.close();
    }
  }, 60_000);
});
