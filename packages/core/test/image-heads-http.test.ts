// The image heads over HTTP, as Label Studio drives them: `backend({ runtime, head })` started with
// @lsml/testing's startBackend, /setup then /predict with a batch whose images come from a local
// path and a real HTTP server, plus bad ones (not an image, truncated, unreachable, missing). Each bad
// task gets a warning naming it and its field and no prediction; the others are predicted, and every
// prediction passes validatePrediction.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../src/contract/backend.js';
import type { TaskHead } from '../src/contract/head.js';
import type { Runtime } from '../src/contract/runtime.js';
import type { OutputKind } from '../src/contract/outputs.js';
import { brushHead } from '../src/heads/brush-head.js';
import { BrightBoxDetector, BrightMaskSegmenter, ColorKeypointDetector } from '../src/heads/image-runtimes.test-helper.js';
import { keypointsHead } from '../src/heads/keypoints-head.js';
import { rectanglesHead } from '../src/heads/rectangles-head.js';
import { decodeRle } from '../src/label-config/brush-rle.js';
import { LabelInterface } from '../src/label-config/label-interface.js';
import { validatePrediction } from '../src/label-config/validate-prediction.js';
import { createLogger } from '../src/logger.js';
import type { PredictionValue } from '../src/protocol/types.js';
import { captureLogs as captureLogsWith } from '../src/testing/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-img-http-'));
const media = { cacheDir: path.join(dir, 'cache'), env: {} };
let server: http.Server;
let base = '';
const running: RunningBackend[] = [];

beforeAll(async () => {
  // A white rectangle (x 40..120, y 20..60) with a red and a green dot on a 200 × 100 black image.
  const white = await sharp({ create: { width: 80, height: 40, channels: 3, background: '#ffffff' } }).png().toBuffer();
  const dot = (c: string) => sharp({ create: { width: 10, height: 10, channels: 3, background: c } }).png().toBuffer();
  await sharp({ create: { width: 200, height: 100, channels: 3, background: '#000000' } })
    .composite([
      { input: white, left: 40, top: 20 },
      { input: await dot('#ff0000'), left: 150, top: 10 },
      { input: await dot('#00ff00'), left: 170, top: 70 },
    ])
    .png()
    .toFile(path.join(dir, 'scene.png'));
  fs.writeFileSync(path.join(dir, 'notes.png'), 'not an image');
  // A PNG header declaring 30000 × 30000 pixels (900 M, over the 100 M default limit), a few bytes long.
  const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000000' } }).png().toBuffer();
  const bomb = Buffer.from(png);
  bomb.writeUInt32BE(30000, 16); // IHDR width
  bomb.writeUInt32BE(30000, 20); // IHDR height
  bomb.writeUInt32BE(zlib.crc32(bomb.subarray(12, 29)), 29); // IHDR CRC over type + data
  fs.writeFileSync(path.join(dir, 'bomb.png'), bomb);
  server = http.createServer((req, res) => {
    const file = path.join(dir, path.basename(req.url ?? ''));
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/png' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const captureLogs = () => captureLogsWith(createLogger);

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { results: unknown[] } };
};

/** Start the backend, predict the mixed batch, return the results and the per-task warnings. */
async function predictBatch<O extends OutputKind>(runtime: Runtime<'image', O>, head: TaskHead<'image', O>, config: string) {
  const { lines, logger } = captureLogs();
  // The class is built from this package's sources, startBackend types it with the built copy's
  // (identical) declarations: same shape, different private-field identities.
  const Model = backend({ runtime, head }) as unknown as Parameters<typeof startBackend>[0];
  const running1 = await startBackend(Model, { server: { logger } });
  running.push(running1);
  expect((await post(`${running1.url}/setup`, { project: '7.1', schema: config })).status).toBe(200);
  const { status, body } = await post(`${running1.url}/predict`, {
    project: '7.1',
    label_config: config,
    tasks: [
      { id: 1, data: { image: path.join(dir, 'scene.png') } },
      { id: 2, data: { image: path.join(dir, 'notes.png') } },
      { id: 3, data: { image: path.join(here, 'fixtures', 'bad-images', 'truncated.jpg') } },
      { id: 4, data: { image: `${base}/scene.png` } },
      { id: 5, data: { image: `${base}/gone.png` } },
      { id: 6, data: { picture: 'wrong field' } },
      { id: 7, data: { image: path.join(dir, 'bomb.png') } },
      // Nothing listens on port 1: connection refused.
      { id: 8, data: { image: 'http://127.0.0.1:1/scene.png' } },
    ],
  });
  expect(status).toBe(200);
  expect(body.results).toHaveLength(8);
  // Inputs are read concurrently: warnings come in completion order.
  const warnings = lines.filter((l) => l.level === 40 && typeof l.task === 'number').map((w): [number, unknown] => [w.task as number, w.field]).sort((a, b) => a[0] - b[0]);
  return { results: body.results, warnings };
}

function expectValid(config: string, prediction: unknown) {
  expect(validatePrediction(new LabelInterface(config), prediction as PredictionValue, { rejectNegativeCoordinates: true })).toEqual({ ok: true, errors: [] });
}

const BAD_TASKS = [
  [2, 'image'],
  [3, 'image'],
  [5, 'image'],
  [6, 'image'],
  [7, 'image'],
  [8, 'image'],
];

describe('image heads over HTTP', () => {
  it('RectangleLabels: good images are predicted (local path and URL alike), each bad one warns and gets []', async () => {
    const config = '<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="bright"/></RectangleLabels></View>';
    const { results, warnings } = await predictBatch(new BrightBoxDetector({ width: 100, height: 50, fit: 'fill' }), rectanglesHead({ media }), config);
    expect(warnings).toEqual(BAD_TASKS);
    for (const i of [1, 2, 4, 5, 6, 7]) expect(results[i], `task ${i + 1}`).toEqual([]);
    for (const i of [0, 3]) {
      const p = results[i] as { model_version: string; result: Array<{ value: Record<string, unknown> }> };
      expect(p.model_version).toBe('bright-boxes');
      expect(p.result.map((r) => r.value)).toEqual([{ x: 20, y: 20, width: 40, height: 40, rotation: 0, rectanglelabels: ['bright'] }]);
      expectValid(config, p);
    }
  });

  it('KeyPointLabels with a person rectangle', async () => {
    const config =
      '<View><Image name="img" value="$image"/><KeyPointLabels name="kp" toName="img"><Label value="nose"/><Label value="left_eye"/></KeyPointLabels><RectangleLabels name="who" toName="img"><Label value="person"/></RectangleLabels></View>';
    const { results, warnings } = await predictBatch(new ColorKeypointDetector({ width: 200, height: 100 }, true), keypointsHead({ media }), config);
    expect(warnings).toEqual(BAD_TASKS);
    const p = results[0] as { result: Array<{ type: string; parentID?: string; value: Record<string, unknown> }> };
    expect(p.result.map((r) => [r.type, r.parentID ?? null])).toEqual([
      ['rectanglelabels', null],
      ['keypointlabels', 'person0'],
      ['keypointlabels', 'person0'],
    ]);
    // Dot centroids (155, 15) and (175, 75) of 200 × 100, exact at full size.
    expect(p.result.slice(1).map((r) => [r.value.x, r.value.y])).toEqual([
      [77.5, 15],
      [87.5, 75],
    ]);
    expectValid(config, p);
    expectValid(config, results[3]);
  });

  it('BrushLabels: the RLE decodes to the drawn rectangle at the original size', async () => {
    const config = '<View><Image name="img" value="$image"/><BrushLabels name="seg" toName="img"><Label value="bright"/></BrushLabels></View>';
    const { results, warnings } = await predictBatch(new BrightMaskSegmenter({ width: 64, height: 64, fit: 'letterbox' }), brushHead({ media }), config);
    expect(warnings).toEqual(BAD_TASKS);
    for (const i of [0, 3]) {
      const p = results[i] as { result: Array<{ original_width: number; original_height: number; value: { rle: number[] } }> };
      const region = p.result[0]!;
      expect([region.original_width, region.original_height]).toEqual([200, 100]);
      const mask = decodeRle(region.value.rle);
      expect(mask.length).toBe(200 * 100);
      // The white rectangle's 3200 px (the dots are not bright in luminance: red/green average < 128).
      const area = mask.reduce((n, v) => n + (v === 255 ? 1 : 0), 0);
      expect(Math.abs(area - 3200) / 3200).toBeLessThan(0.1);
      expectValid(config, p);
    }
  });
});
