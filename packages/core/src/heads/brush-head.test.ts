// brushHead: a real image → letterboxed input → a real (coarser) bright-pixel segmenter → a brush
// mask at the ORIGINAL size in Label Studio RLE, decoded back and compared with what was drawn.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageInput } from '../contract/inputs.js';
import { decodeRle } from '../label-config/brush-rle.js';
import { LabelInterface } from '../label-config/label-interface.js';
import { validatePrediction } from '../label-config/validate-prediction.js';
import type { PredictionValue } from '../protocol/types.js';
import { brushHead, maskToOriginal } from './brush-head.js';
import { predictWith } from './heads.test-helper.js';
import { BrightMaskSegmenter } from './image-runtimes.test-helper.js';

const CONFIG = '<View><Image name="img" value="$image"/><BrushLabels name="mask" toName="img"><Label value="bright"/><Label value="dark"/></BrushLabels></View>';
const WITH_POLYGON =
  '<View><Image name="img" value="$image"/><BrushLabels name="mask" toName="img"><Label value="bright"/></BrushLabels><PolygonLabels name="outline" toName="img"><Label value="bright"/></PolygonLabels></View>';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-brush-'));
const wide = path.join(dir, 'wide.png');
// The white rectangle drawn: x 40..120, y 20..60 of 200 × 100.
const inside = (x: number, y: number) => x >= 40 && x < 120 && y >= 20 && y < 60;

beforeAll(async () => {
  const white = await sharp({ create: { width: 80, height: 40, channels: 3, background: '#ffffff' } }).png().toBuffer();
  await sharp({ create: { width: 200, height: 100, channels: 3, background: '#000000' } }).composite([{ input: white, left: 40, top: 20 }]).png().toFile(wide);
});

type Item = { type: string; from_name: string; original_width: number; original_height: number; score: number; value: { format?: string; rle?: number[]; brushlabels?: string[]; points?: Array<[number, number]>; polygonlabels?: string[] } };
const items = (p: PredictionValue | PredictionValue[] | null | undefined) => (p as PredictionValue).result as unknown as Item[];

/** Pixels where `mask` and the drawn rectangle disagree. */
function mismatches(mask: Uint8Array, width: number): number {
  let n = 0;
  mask.forEach((v, i) => {
    if ((v === 255) !== inside(i % width, Math.floor(i / width))) n++;
  });
  return n;
}

describe('brushHead', () => {
  it('predicts one RLE mask at the original size (letterboxed input, half-resolution model mask); the empty mask is dropped', async () => {
    const [p] = await predictWith(brushHead(), new BrightMaskSegmenter({ width: 100, height: 100, fit: 'letterbox' }, 0.5), CONFIG, [{ id: 1, data: { image: wide } }]);
    const [region, ...rest] = items(p);
    expect(rest).toEqual([]);
    expect(region).toMatchObject({ type: 'brushlabels', original_width: 200, original_height: 100, score: 0.9, value: { format: 'rle', brushlabels: ['bright'] } });
    const mask = decodeRle(region!.value.rle!);
    expect(mask.length).toBe(200 * 100);
    expect(new Set(mask)).toEqual(new Set([0, 255]));
    // The model mask is 50×50 for a 200×100 image (4 original px per mask px): edges may be off by
    // up to one mask pixel along the rectangle's border (240 border px × 4) — the area is near-exact.
    expect(mismatches(mask, 200)).toBeLessThanOrEqual(240 * 2);
    const area = mask.filter((v) => v === 255).length;
    expect(Math.abs(area - 80 * 40) / (80 * 40)).toBeLessThan(0.1);
    expect(validatePrediction(new LabelInterface(CONFIG), p as PredictionValue)).toEqual({ ok: true, errors: [] });
  });

  it('is pixel-exact when the model sees the image at full size', async () => {
    const [p] = await predictWith(brushHead(), new BrightMaskSegmenter({}), CONFIG, [{ id: 1, data: { image: wide } }]);
    expect(mismatches(decodeRle(items(p)[0]!.value.rle!), 200)).toBe(0);
  });

  it('adds the outline as PolygonLabels when the config has them', async () => {
    const [p] = await predictWith(brushHead(), new BrightMaskSegmenter({}), WITH_POLYGON, [{ id: 1, data: { image: wide } }]);
    const [brush, polygon] = items(p);
    expect(brush!.type).toBe('brushlabels');
    expect(polygon).toMatchObject({ type: 'polygonlabels', from_name: 'outline', value: { polygonlabels: ['bright'] } });
    expect(polygon!.value.points).toEqual([
      [20, 20],
      [60, 20],
      [60, 60],
      [20, 60],
    ]);
    expect(validatePrediction(new LabelInterface(WITH_POLYGON), p as PredictionValue)).toEqual({ ok: true, errors: [] });
    const [off] = await predictWith(brushHead({ polygons: false }), new BrightMaskSegmenter({}), WITH_POLYGON, [{ id: 1, data: { image: wide } }]);
    expect(items(off).map((i) => i.type)).toEqual(['brushlabels']);
  });

  it('score_threshold drops masks', async () => {
    const [p] = await predictWith(brushHead(), new BrightMaskSegmenter({}), CONFIG, [{ id: 1, data: { image: wide } }], { extraParams: { score_threshold: 0.95 } });
    expect(p).toEqual({ score: 0, result: [] });
  });

  it('maskToOriginal undoes the letterbox: padding rows are outside the image', () => {
    // A 4×4 input holding a 4×2 image in rows 1..2; the model marks everything.
    const input: ImageInput = { kind: 'image', pixels: new Uint8Array(48), width: 4, height: 4, channels: 3, originalWidth: 8, originalHeight: 4, transform: { scaleX: 0.5, scaleY: 0.5, offsetX: 0, offsetY: 1 } };
    const mask = { label: 'x', score: 1, width: 4, height: 4, data: new Uint8Array([0, 0, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0]) };
    const out = maskToOriginal(mask, input);
    expect(Array.from(out).map((v) => (v ? 1 : 0)).join('')).toBe('11110000'.repeat(4));
  });
});
