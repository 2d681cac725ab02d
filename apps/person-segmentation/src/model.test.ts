// Drives the app over HTTP as Label Studio does (/health → /setup → /predict) with the REAL Selfie
// weights on the astronaut photo (e2e/fixtures/images, public domain): a brush mask in Label Studio's
// RLE that decodes, at the original 512×512, to a person-shaped area over her face and body.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRle, LabelInterface, validatePrediction, type PredictionValue } from '@lsml/core';
import { startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personSegmentation } from './model.js';

const PHOTOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../e2e/fixtures/images');
const CONFIG = `<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="mask" toName="image"><Label value="Person" predicted_values="person"/></BrushLabels>
</View>`;

interface Region {
  type: string;
  original_width: number;
  original_height: number;
  score: number;
  value: { format: string; rle: number[]; brushlabels: string[] };
}
type Prediction = Omit<PredictionValue, 'result'> & { result: Region[] };

let app: RunningBackend;
let results: Array<Prediction | []>;
beforeAll(async () => {
  app = await startBackend(personSegmentation({ threads: 1 }) as unknown as Parameters<typeof startBackend>[0]);
  const post = (route: string, body: unknown) => fetch(app.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post('/setup', { project: '11.1714550400', schema: CONFIG })).status).toBe(200);
  const res = await post('/predict', {
    project: '11.1714550400',
    label_config: CONFIG,
    tasks: [
      { id: 1, data: { image: path.join(PHOTOS, 'astronaut.jpg') } },
      { id: 2, data: { image: path.join(PHOTOS, 'README.md') } }, // not an image
    ],
  });
  expect(res.status).toBe(200);
  results = ((await res.json()) as { results: Array<Prediction | []> }).results;
}, 60_000);
afterAll(() => app?.stop());

describe('apps/person-segmentation over HTTP with the real Selfie model', () => {
  it('masks the astronaut: an RLE brush region at 512×512 over her face, not over the whole photo', () => {
    const p = results[0] as Prediction;
    expect(validatePrediction(new LabelInterface(CONFIG), p, { rejectNegativeCoordinates: true })).toEqual({ ok: true, errors: [] });
    const [region] = p.result;
    expect(region).toMatchObject({ type: 'brushlabels', original_width: 512, original_height: 512, value: { format: 'rle', brushlabels: ['Person'] } });
    const mask = decodeRle(region!.value.rle);
    expect(mask.length).toBe(512 * 512);
    const inside = mask.reduce((n, v) => n + (v === 255 ? 1 : 0), 0) / mask.length;
    expect(inside).toBeGreaterThan(0.25);
    expect(inside).toBeLessThan(0.85);
    // The centre of her face (≈ x 220, y 110) is inside the mask.
    expect(mask[110 * 512 + 220]).toBe(255);
  });

  it('answers no prediction for a file that is not an image', () => {
    expect(results[1]).toEqual([]);
  });
});
