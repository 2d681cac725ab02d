// Drives the app over HTTP as Label Studio does (GET /health → POST /setup → POST /predict with full
// tasks) with the REAL CenterNet weights on real photos (e2e/fixtures/images: public domain / CC0, see
// the README there). Asserts what the model sees, and that every prediction passes core's validator.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabelInterface, validatePrediction, type PredictionValue } from '@lsml/core';
import { startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectDetector } from './model.js';
import { HUMAN_MODELS_DIR, modelFromEnv } from './model-file.js';

const PHOTOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../e2e/fixtures/images');
const CONFIG = `<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="person"/>
    <Label value="cup"/>
    <Label value="Cat" predicted_values="cat"/>
  </RectangleLabels>
</View>`;

interface Region {
  from_name: string;
  to_name: string;
  type: string;
  original_width: number;
  original_height: number;
  score: number;
  value: { x: number; y: number; width: number; height: number; rotation: number; rectanglelabels: string[] };
}
type Prediction = Omit<PredictionValue, 'result'> & { model_version: string; score: number; result: Region[] };

let app: RunningBackend;
let results: Array<Prediction | []>;
beforeAll(async () => {
  app = await startBackend(objectDetector({ threads: 1 }) as unknown as Parameters<typeof startBackend>[0]);
  expect((await fetch(`${app.url}/health`)).status).toBe(200);
  const setup = await post('/setup', { project: '3.1714550400', schema: CONFIG });
  expect(setup.status).toBe(200);
  const res = await post('/predict', {
    project: '3.1714550400',
    label_config: CONFIG,
    tasks: [
      { id: 1, data: { image: path.join(PHOTOS, 'astronaut.jpg') } },
      { id: 2, data: { image: path.join(PHOTOS, 'coffee.jpg') } },
      { id: 3, data: { image: path.join(PHOTOS, 'chelsea.png') } },
      { id: 4, data: { image: path.join(PHOTOS, 'README.md') } }, // not an image
    ],
  });
  expect(res.status).toBe(200);
  results = (res.body as { results: Array<Prediction | []> }).results;
}, 120_000);
afterAll(() => app?.stop());

async function post(route: string, body: unknown) {
  const res = await fetch(app.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
}
const labelled = (p: Prediction | [] | undefined, label: string) => (p as Prediction).result.filter((r) => r.value.rectanglelabels[0] === label);

describe('apps/object-detector over HTTP with the real CenterNet', () => {
  it('answers one prediction per task, each valid for the label config', () => {
    expect(results).toHaveLength(4);
    const li = new LabelInterface(CONFIG);
    for (const p of results.slice(0, 3)) {
      expect((p as Prediction).model_version).toBe('centernet');
      expect(validatePrediction(li, p as PredictionValue, { rejectNegativeCoordinates: true })).toEqual({ ok: true, errors: [] });
    }
  });

  it('boxes the astronaut as a person covering most of the portrait', () => {
    const [person] = labelled(results[0], 'person');
    expect(person).toMatchObject({ from_name: 'label', to_name: 'image', type: 'rectanglelabels', original_width: 512, original_height: 512 });
    expect(person!.value.rotation).toBe(0);
    expect(person!.value.width * person!.value.height).toBeGreaterThan(50 * 60); // percent²
    expect(person!.score).toBeGreaterThan(0.5);
  });

  it('boxes the cup in the middle of the coffee photo, in percent of the original 600×400', () => {
    const [cup] = labelled(results[1], 'cup');
    expect(cup).toMatchObject({ original_width: 600, original_height: 400 });
    const centre = cup!.value.x + cup!.value.width / 2;
    expect(centre).toBeGreaterThan(35);
    expect(centre).toBeLessThan(65);
  });

  it('labels Chelsea through predicted_values (cat → Cat), never as a dog', () => {
    const cats = labelled(results[2], 'Cat');
    expect(cats).toHaveLength(1);
    expect(cats[0]!.value.width).toBeGreaterThan(60);
    expect((results[2] as Prediction).result.every((r) => r.value.rectanglelabels[0] !== 'dog')).toBe(true);
  });

  it('answers no prediction for a task whose file is not an image (the rest of the batch is predicted)', () => {
    expect(results[3]).toEqual([]);
  });

  it("the project's extra_params (set at /setup) override the threshold and the region count", async () => {
    const task = { id: 9, data: { image: path.join(PHOTOS, 'coffee.jpg') } };
    const regions = async (project: string, extra: string) => {
      expect((await post('/setup', { project, schema: CONFIG, extra_params: extra })).status).toBe(200);
      const p = ((await post('/predict', { project, label_config: CONFIG, tasks: [task] })).body as { results: Array<Prediction | []> }).results[0]!;
      return Array.isArray(p) ? 0 : p.result.length;
    };
    expect(await regions('4.1714550400', '{"score_threshold": 0.99}')).toBe(0);
    expect(await regions('5.1714550400', '{"score_threshold": 0.1, "max_regions": 1}')).toBe(1);
  }, 60_000);
});

describe('MODEL_NAME / MODEL_DIR', () => {
  it('default to human-models centernet; a name is looked up in MODEL_DIR first; a path is taken as is', () => {
    expect(modelFromEnv('centernet', {})).toBe(path.join(HUMAN_MODELS_DIR, 'centernet.json'));
    expect(modelFromEnv('centernet', { MODEL_DIR: '/nonexistent' })).toBe(path.join(HUMAN_MODELS_DIR, 'centernet.json'));
    expect(modelFromEnv('centernet', { MODEL_DIR: HUMAN_MODELS_DIR, MODEL_NAME: 'nanodet' })).toBe(path.join(HUMAN_MODELS_DIR, 'nanodet.json'));
    expect(modelFromEnv('centernet', { MODEL_NAME: '/models/mine/model.json' })).toBe('/models/mine/model.json');
  });
});
