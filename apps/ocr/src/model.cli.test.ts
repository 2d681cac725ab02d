// The app as `npm start -w apps/ocr` runs it (`lsml start src/model.ts`, its own process): /health,
// /setup and a pre-annotation over HTTP, with the real weights and nothing downloaded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lsTask, predictRequest, setupRequest } from '@lsml/core/testing';
import { assertValidPredictions, postJson, startAppWithCli, type RunningApp } from '@lsml/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { characterAccuracy, renderText } from '../test/render-text.js';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = '<View><Image name="image" value="$ocr"/><RectangleLabels name="bbox" toName="image"><Label value="Text"/></RectangleLabels><TextArea name="transcription" toName="image" perRegion="true"/></View>';
const LINES = ['Started the way the README says.', 'Nothing is downloaded at runtime.'];

let app: RunningApp;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-ocr-cli-'));
  fs.writeFileSync(path.join(dir, 'lines.png'), await renderText(LINES));
  // OCR_WORKERS=1: one Tesseract worker is enough here and keeps the test light.
  app = await startAppWithCli(APP_DIR, { OCR_WORKERS: '1' });
}, 60_000);
afterAll(async () => {
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('serves pre-annotations from `lsml start src/model.ts`', async () => {
  const health = await fetch(`${app.url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'UP', model_class: 'OCR' });
  expect((await postJson(app.url, '/setup', setupRequest(1, CONFIG))).body).toEqual({ model_version: 'tesseract-eng' });
  const res = await postJson(app.url, '/predict', predictRequest([lsTask(1, { ocr: path.join(dir, 'lines.png') }, 1)], 1, CONFIG));
  const [prediction] = assertValidPredictions(CONFIG, res, 1, 'tesseract-eng');
  const text = (prediction!.result as Array<{ type: string; value: { text?: string[] } }>).filter((r) => r.type === 'textarea').map((r) => r.value.text![0]).join('\n');
  expect(characterAccuracy(text, LINES.join('\n'))).toBeGreaterThanOrEqual(0.95);
  // No traineddata copy written into the app folder (tesseract.js's default cache), nothing fetched.
  expect(fs.readdirSync(APP_DIR).filter((f) => f.endsWith('.traineddata'))).toEqual([]);
}, 60_000);
