// apps/pose in Label Studio's editor: MoveNet's keypoints on the astronaut (served by the harness, read
// by the backend from the same URL), grouped under a person rectangle, become the annotator's regions;
// every keypoint in the store is within 1 px (original-image pixels) of what the backend answered.
import { expect, it } from 'vitest';
import { EditorPage } from './harness/editor.js';
import { expectAnnotationFromPrediction, expectCleanPage } from './harness/expectations.js';
import { boxCorners, expectWithin, pointOf, waitForImage } from './harness/images.js';
import { predictedImage } from './harness/image-app.js';
import { appModel, editorSuite } from './harness/suite.js';

const KEYPOINTS = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle'];
const CONFIG = `<View>
  <Image name="image" value="$image"/>
  <KeyPointLabels name="kp" toName="image" strokeWidth="2">
${KEYPOINTS.map((k, i) => `    <Label value="${k}" background="hsl(${(i * 360) / KEYPOINTS.length}, 80%, 50%)"/>`).join('\n')}
  </KeyPointLabels>
  <RectangleLabels name="person" toName="image"><Label value="person" background="#e53935"/></RectangleLabels>
</View>`;

const app = appModel('pose');

editorSuite('pose in the Label Studio editor', [app.missing], () => {
  const ctx = predictedImage(app, 22, CONFIG, 'astronaut.jpg');

  it('astronaut.jpg: every predicted keypoint and the person box are in the store, within 1 px', async () => {
    const points = ctx.prediction.result.filter((r) => r.type === 'keypointlabels');
    expect(points.length).toBeGreaterThanOrEqual(5);
    expect(points.map((r) => (r.value as { keypointlabels: string[] }).keypointlabels[0])).toEqual(expect.arrayContaining(['nose', 'left_eye', 'right_eye', 'left_shoulder', 'right_shoulder']));
    const editor = await EditorPage.open(ctx.browser, ctx.server, { config: CONFIG, task: ctx.task, predictions: [ctx.prediction] });
    try {
      await waitForImage(editor, ctx.prediction.result.length);
      const state = await editor.readBack();
      expectAnnotationFromPrediction(state, ctx.prediction);
      const byId = new Map(state.annotation.result.map((r) => [r.id, r]));
      for (const region of ctx.prediction.result) {
        const shown = byId.get(region.id);
        expect(shown, `region ${region.id} in the editor`).toBeDefined();
        if (region.type === 'keypointlabels') {
          expect(shown!.value.keypointlabels).toEqual(region.value.keypointlabels);
          expectWithin(pointOf(shown!), pointOf(region), 1, String(region.value.keypointlabels));
        } else {
          expectWithin(boxCorners(shown!), boxCorners(region), 1, 'person box');
        }
      }
      expectCleanPage(editor, ctx.server);
      await editor.screenshot('apps/pose/editor.png');
    } finally {
      await editor.close();
    }
  }, 60_000);
});
