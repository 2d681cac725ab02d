// keypointsHead: coloured dots on a real image → letterboxed input → a real centroid "pose" model →
// KeyPointLabels in percent of the ORIGINAL image, grouped under a rectangle when the config has one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { LabelInterface } from '../label-config/label-interface.js';
import { validatePrediction } from '../label-config/validate-prediction.js';
import type { PredictionValue } from '../protocol/types.js';
import { bindWith, predictWith } from './heads.test-helper.js';
import { ColorKeypointDetector } from './image-runtimes.test-helper.js';
import { keypointsHead } from './keypoints-head.js';

const KP = '<KeyPointLabels name="kp" toName="img"><Label value="nose"/><Label value="Left eye" predicted_values="left_eye"/><Label value="right_eye"/></KeyPointLabels>';
const CONFIG = `<View><Image name="img" value="$image"/>${KP}</View>`;
const WITH_RECT = `<View><Image name="img" value="$image"/>${KP}<RectangleLabels name="person" toName="img"><Label value="Person"/></RectangleLabels></View>`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-kp-'));
const face = path.join(dir, 'face.png');

beforeAll(async () => {
  const dot = (colour: string) => sharp({ create: { width: 10, height: 10, channels: 3, background: colour } }).png().toBuffer();
  await sharp({ create: { width: 200, height: 100, channels: 3, background: '#000000' } })
    .composite([
      { input: await dot('#ff0000'), left: 20, top: 10 },
      { input: await dot('#00ff00'), left: 100, top: 40 },
    ])
    .png()
    .toFile(face);
});

type Item = { id: string; type: string; from_name: string; parentID?: string; score: number; original_width: number; value: Record<string, unknown> & { x: number; y: number } };
const items = (p: PredictionValue | PredictionValue[] | null | undefined) => (p as PredictionValue).result as unknown as Item[];

describe('keypointsHead', () => {
  it('one region per keypoint at the centroid, in percent of the original image; low-scoring points dropped', async () => {
    const [p] = await predictWith(keypointsHead(), new ColorKeypointDetector(), CONFIG, [{ id: 1, data: { image: face } }]);
    const kps = items(p);
    expect(kps.map((k) => k.value.keypointlabels)).toEqual([['nose'], ['Left eye']]);
    // Centroids (25, 15) and (105, 45) of a 200×100 image; the model sees it at 0.24 scale (48 px).
    const px = 100 / (0.24 * 200);
    expect(Math.abs(kps[0]!.value.x - 12.5)).toBeLessThanOrEqual(px);
    expect(Math.abs(kps[0]!.value.y - 15)).toBeLessThanOrEqual(2 * px);
    expect(Math.abs(kps[1]!.value.x - 52.5)).toBeLessThanOrEqual(px);
    expect(Math.abs(kps[1]!.value.y - 45)).toBeLessThanOrEqual(2 * px);
    expect(kps[0]).toMatchObject({ type: 'keypointlabels', original_width: 200, score: 0.9, value: { width: 0.5 } });
    expect(kps.every((k) => k.parentID === undefined)).toBe(true);
    expect(validatePrediction(new LabelInterface(CONFIG), p as PredictionValue, { rejectNegativeCoordinates: true })).toEqual({ ok: true, errors: [] });
  });

  it('keypoint_threshold lets the absent point through — at (0,0) model px, inside the letterbox padding, so it is still dropped', async () => {
    const [p] = await predictWith(keypointsHead(), new ColorKeypointDetector(), CONFIG, [{ id: 1, data: { image: face } }], { extraParams: { keypoint_threshold: 0 } });
    expect(items(p)).toHaveLength(2);
    // With fill there is no padding: (0,0) is the image corner, a valid point.
    const [q] = await predictWith(keypointsHead({ keypointThreshold: 0 }), new ColorKeypointDetector({ width: 48, height: 48, fit: 'fill' }), CONFIG, [{ id: 1, data: { image: face } }]);
    expect(items(q).map((k) => [k.value.keypointlabels, k.value.x, k.value.y])).toContainEqual([['right_eye'], 0, 0]);
    const [none] = await predictWith(keypointsHead(), new ColorKeypointDetector(), CONFIG, [{ id: 1, data: { image: face } }], { extraParams: { score_threshold: 0.9 } });
    expect(none).toEqual({ score: 0, result: [] });
  });

  it('with RectangleLabels over the same image, an instance rectangle is the keypoints’ parent', async () => {
    for (const withBox of [true, false]) {
      const [p] = await predictWith(keypointsHead(), new ColorKeypointDetector(undefined, withBox), WITH_RECT, [{ id: 1, data: { image: face } }]);
      const [rect, ...kps] = items(p);
      expect(rect).toMatchObject({ id: 'person0', type: 'rectanglelabels', from_name: 'person', value: { rectanglelabels: ['Person'] } });
      // The model's box spans both dots (x 20..110 of 200 px); without one, the box of the kept
      // keypoints spans the centroids (x 25..105).
      expect(Math.abs(rect!.value.x - (withBox ? 10 : 12.5))).toBeLessThanOrEqual(2.1);
      expect(kps.map((k) => k.parentID)).toEqual(['person0', 'person0']);
      expect(validatePrediction(new LabelInterface(WITH_RECT), p as PredictionValue, { rejectNegativeCoordinates: true })).toEqual({ ok: true, errors: [] });
    }
    const [flat] = await predictWith(keypointsHead({ group: 'none' }), new ColorKeypointDetector(), WITH_RECT, [{ id: 1, data: { image: face } }]);
    expect(items(flat).map((k) => k.type)).toEqual(['keypointlabels', 'keypointlabels']);
    const [parent] = await predictWith(keypointsHead({ group: 'parent' }), new ColorKeypointDetector(), CONFIG, [{ id: 1, data: { image: face } }]);
    expect(items(parent).map((k) => [k.id, k.parentID])).toEqual([
      ['kp0-0', undefined],
      ['kp0-1', 'kp0-0'],
    ]);
  });

  it('a config whose KeyPointLabels take none of the model keypoints is a 422', async () => {
    const err = await bindWith(keypointsHead(), new ColorKeypointDetector(), '<View><Image name="img" value="$image"/><KeyPointLabels name="kp" toName="img"><Label value="wheel"/></KeyPointLabels></View>').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, code: 'label_config_mismatch' });
  });
});
