// rectanglesHead: real images (sharp) → letterboxed input → a real bright-box detector → regions in
// percent of the ORIGINAL image, checked against where the white rectangle was drawn.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { LabelInterface } from '../label-config/label-interface.js';
import { validatePrediction } from '../label-config/validate-prediction.js';
import type { PredictionValue } from '../protocol/types.js';
import { bindWith, predictWith } from './heads.test-helper.js';
import { BrightBoxDetector } from './image-runtimes.test-helper.js';
import { rectanglesHead } from './rectangles-head.js';

const CONFIG = '<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="Bright"/><Label value="Ghost"/></RectangleLabels></View>';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-rect-'));
const wide = path.join(dir, 'wide.png');
const tall = path.join(dir, 'tall.png');

/** A black image with one white rectangle. */
async function drawRect(file: string, width: number, height: number, r: { left: number; top: number; width: number; height: number }) {
  const white = await sharp({ create: { width: r.width, height: r.height, channels: 3, background: '#ffffff' } }).png().toBuffer();
  await sharp({ create: { width, height, channels: 3, background: '#000000' } }).composite([{ input: white, left: r.left, top: r.top }]).png().toFile(file);
}

beforeAll(async () => {
  await drawRect(wide, 200, 100, { left: 40, top: 20, width: 80, height: 40 });
  await drawRect(tall, 100, 300, { left: 10, top: 150, width: 50, height: 100 });
});

type Rect = { id: string; type: string; original_width: number; original_height: number; value: { x: number; y: number; width: number; height: number; rotation: number; rectanglelabels: string[] }; score: number };
const rects = (p: PredictionValue | PredictionValue[] | null | undefined) => (p as PredictionValue).result as unknown as Rect[];

describe('rectanglesHead', () => {
  it('maps a box found in letterboxed model pixels back to percent of the original image (wide and tall)', async () => {
    const runtime = new BrightBoxDetector({ width: 64, height: 64, fit: 'letterbox' });
    const [p, q] = await predictWith(rectanglesHead(), runtime, CONFIG, [
      { id: 1, data: { image: wide } },
      { id: 2, data: { image: tall } },
    ]);
    // Letterbox: the wide image sits in rows 16..48, the tall one in columns 21..43.
    expect(runtime.seen.map((i) => i.transform)).toEqual([
      { scaleX: 0.32, scaleY: 0.32, offsetX: 0, offsetY: 16 },
      { scaleX: 21 / 100, scaleY: 64 / 300, offsetX: 21, offsetY: 0 },
    ]);
    const [a] = rects(p);
    expect(a).toMatchObject({ type: 'rectanglelabels', original_width: 200, original_height: 100, value: { rotation: 0, rectanglelabels: ['Bright'] } });
    // Within one model pixel (1 / 0.32 ≈ 3.1 original px = 1.6 % of 200 px, 3.1 % of 100 px).
    expect(Math.abs(a!.value.x - 20)).toBeLessThanOrEqual(1.6);
    expect(Math.abs(a!.value.width - 40)).toBeLessThanOrEqual(3.2);
    expect(Math.abs(a!.value.y - 20)).toBeLessThanOrEqual(3.2);
    expect(Math.abs(a!.value.height - 40)).toBeLessThanOrEqual(6.3);
    const [b] = rects(q);
    expect(b).toMatchObject({ original_width: 100, original_height: 300 });
    expect(Math.abs(b!.value.x - 10)).toBeLessThanOrEqual(100 / 21 / 100 * 100);
    expect(Math.abs(b!.value.y - 50)).toBeLessThanOrEqual(2);
    expect(Math.abs(b!.value.height - 100 / 3)).toBeLessThanOrEqual(3);
    for (const pred of [p, q]) expect(validatePrediction(new LabelInterface(CONFIG), pred as PredictionValue, { rejectNegativeCoordinates: true })).toEqual({ ok: true, errors: [] });
  });

  it('is exact when the scale is a whole ratio (fill, 2:1)', async () => {
    const [p] = await predictWith(rectanglesHead(), new BrightBoxDetector({ width: 100, height: 50, fit: 'fill' }), CONFIG, [{ id: 1, data: { image: wide } }]);
    expect(rects(p)[0]!.value).toMatchObject({ x: 20, y: 20, width: 40, height: 40 });
  });

  it('honours score_threshold and max_regions (options and extra_params), and predicted_values', async () => {
    const config = '<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="Light" predicted_values="bright"/><Label value="Ghost"/></RectangleLabels></View>';
    const runtime = new BrightBoxDetector({ width: 100, height: 50, fit: 'fill' });
    const task = [{ id: 1, data: { image: wide } }];
    const [defaults] = await predictWith(rectanglesHead(), runtime, config, task);
    expect(rects(defaults).map((r) => r.value.rectanglelabels[0])).toEqual(['Light']);
    const [low] = await predictWith(rectanglesHead({ scoreThreshold: 0.05 }), runtime, config, task);
    expect(rects(low).map((r) => [r.id, r.value.rectanglelabels[0]])).toEqual([
      ['box0', 'Light'],
      ['box1', 'Ghost'],
    ]);
    const [one] = await predictWith(rectanglesHead({ scoreThreshold: 0.05 }), runtime, config, task, { extraParams: { max_regions: '1' } });
    expect(rects(one)).toHaveLength(1);
    const [none] = await predictWith(rectanglesHead(), runtime, config, task, { extraParams: { score_threshold: 1.01 } });
    expect(none).toEqual({ score: 0, result: [] });
  });

  it('clamps boxes that reach into the padding, drops boxes entirely outside the image', async () => {
    const runtime = new BrightBoxDetector({ width: 64, height: 64, fit: 'letterbox' }, ['bright', 'ghost'], [
      { x: -10, y: 0, width: 30, height: 64, label: 'bright', score: 0.95 }, // spans the top padding and off the left edge
      { x: 10, y: 0, width: 20, height: 10, label: 'bright', score: 0.97 }, // inside the padding only
    ]);
    const [p] = await predictWith(rectanglesHead(), runtime, CONFIG, [{ id: 1, data: { image: wide } }]);
    const all = rects(p);
    expect(all).toHaveLength(2);
    expect(all.map((r) => r.score)).toEqual([1, 0.95]);
    expect(all[1]!.value).toMatchObject({ x: 0, y: 0, height: 100 });
    expect(validatePrediction(new LabelInterface(CONFIG), p as PredictionValue, { rejectNegativeCoordinates: true }).ok).toBe(true);
  });

  it('a config without RectangleLabels over an Image, or without a matching label, is a 422 naming what is needed', async () => {
    const err = await bindWith(rectanglesHead(), new BrightBoxDetector(), '<View><Image name="img" value="$image"/><Choices name="c" toName="img"><Choice value="a"/></Choices></View>').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, message: 'This model needs a <RectangleLabels> over a <Image>; the label config has none' });
    const noLabel = await bindWith(rectanglesHead(), new BrightBoxDetector(), '<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels></View>').catch((e: unknown) => e);
    expect(noLabel).toMatchObject({ status: 422 });
    expect((noLabel as Error).message).toContain('model classes: bright, ghost; config labels: Car');
  });

  it('reads the labels an annotation chose (training)', async () => {
    const bound = await bindWith(rectanglesHead(), new BrightBoxDetector(), CONFIG);
    expect(bound.labelsOf!({ result: [{ from_name: 'box', to_name: 'img', type: 'rectanglelabels', value: { x: 1, y: 1, width: 1, height: 1, rectanglelabels: ['Bright'] } }] })).toEqual(['Bright']);
    expect(bound.labelsOf!({ result: [] })).toBeNull();
  });
});
