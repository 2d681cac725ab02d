// Drives the app over HTTP as Label Studio does (/health → /setup → /predict) with the REAL MoveNet
// Lightning weights on the astronaut photo (e2e/fixtures/images, public domain): keypoints on her face
// and shoulders, grouped under a person rectangle, valid for Label Studio's validator.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabelInterface, validatePrediction, type PredictionValue } from '@lsml/core';
import { startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poseEstimator } from './model.js';

const PHOTOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../e2e/fixtures/images');
const KEYPOINTS = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle'];
const CONFIG = `<View>
  <Image name="image" value="$image"/>
  <KeyPointLabels name="kp" toName="image">
${KEYPOINTS.map((k) => `    <Label value="${k}"/>`).join('\n')}
  </KeyPointLabels>
  <RectangleLabels name="person" toName="image"><Label value="person"/></RectangleLabels>
</View>`;
const KP_ONLY = `<View>
  <Image name="image" value="$image"/>
  <KeyPointLabels name="kp" toName="image">
    <Label value="Nose" predicted_values="nose"/>
    <Label value="left_eye"/>
    <Label value="right_eye"/>
  </KeyPointLabels>
</View>`;

interface Region {
  id: string;
  type: string;
  parentID?: string;
  original_width: number;
  original_height: number;
  value: { x: number; y: number; width: number; keypointlabels?: string[]; rectanglelabels?: string[] };
}
type Prediction = Omit<PredictionValue, 'result'> & { result: Region[] };

let app: RunningBackend;
beforeAll(async () => {
  app = await startBackend(poseEstimator({ threads: 1 }) as unknown as Parameters<typeof startBackend>[0]);
}, 60_000);
afterAll(() => app?.stop());

async function predict(project: string, config: string, images: string[]) {
  const post = (route: string, body: unknown) => fetch(app.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post('/setup', { project, schema: config })).status).toBe(200);
  const res = await post('/predict', { project, label_config: config, tasks: images.map((image, i) => ({ id: i + 1, data: { image } })) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: Array<Prediction | []> }).results;
}

describe('apps/pose over HTTP with the real MoveNet Lightning', () => {
  it("puts the astronaut's nose, eyes and shoulders where they are, under one person rectangle", async () => {
    const [p, bad] = await predict('8.1714550400', CONFIG, [path.join(PHOTOS, 'astronaut.jpg'), path.join(PHOTOS, 'missing.jpg')]);
    expect(bad).toEqual([]);
    const prediction = p as Prediction;
    expect(validatePrediction(new LabelInterface(CONFIG), prediction, { rejectNegativeCoordinates: true })).toEqual({ ok: true, errors: [] });
    const [rect, ...points] = prediction.result;
    expect(rect).toMatchObject({ type: 'rectanglelabels', value: { rectanglelabels: ['person'] } });
    for (const kp of points) expect(kp).toMatchObject({ type: 'keypointlabels', parentID: rect!.id, original_width: 512, original_height: 512 });
    const at = (label: string) => points.find((r) => r.value.keypointlabels?.[0] === label)!.value;
    const [nose, le, re, ls, rs] = ['nose', 'left_eye', 'right_eye', 'left_shoulder', 'right_shoulder'].map(at);
    // Percent of the 512×512 portrait: her face is upper-middle, shoulders below it, facing the camera.
    expect(nose!.x).toBeGreaterThan(30);
    expect(nose!.x).toBeLessThan(60);
    expect(nose!.y).toBeLessThan(40);
    expect(Math.min(le!.x, re!.x)).toBeLessThan(nose!.x);
    expect(Math.max(le!.x, re!.x)).toBeGreaterThan(nose!.x);
    expect(le!.x).toBeGreaterThan(re!.x);
    expect(Math.min(ls!.y, rs!.y)).toBeGreaterThan(Math.max(le!.y, re!.y, nose!.y));
    expect(ls!.x).toBeGreaterThan(rs!.x);
  }, 60_000);

  it('maps keypoint names through predicted_values and leaves out keypoints the config has no label for', async () => {
    const [p] = await predict('9.1714550400', KP_ONLY, [path.join(PHOTOS, 'astronaut.jpg')]);
    const labels = (p as Prediction).result.map((r) => r.value.keypointlabels![0]).sort();
    expect(labels).toEqual(['Nose', 'left_eye', 'right_eye']);
    expect(validatePrediction(new LabelInterface(KP_ONLY), p as Prediction, { rejectNegativeCoordinates: true })).toEqual({ ok: true, errors: [] });
  }, 60_000);
});
