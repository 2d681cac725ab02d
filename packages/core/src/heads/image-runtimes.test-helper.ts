// Small real image runtimes for the image heads' tests: each looks at the decoded pixels it is given
// (not at a script of answers), so the tests check the whole chain — decode, resize/letterbox, the
// runtime's model-pixel output, and the head's mapping back to the ORIGINAL image.
import type { ImageInput } from '../contract/inputs.js';
import type { Box, BoxesOutput, Keypoint, KeypointsOutput, Mask, MasksOutput } from '../contract/outputs.js';
import type { Runtime, RunOptions, RuntimeInfo } from '../contract/runtime.js';
import type { ImageInputSpec } from '../contract/inputs.js';

const capabilities = { batching: false as const, shared: true, threads: 'event-loop' as const, trainable: false };

/** The luminance of pixel (x, y). */
function lum(img: ImageInput, x: number, y: number): number {
  const i = (y * img.width + x) * img.channels;
  if (img.channels === 1) return img.pixels[i]!;
  return (img.pixels[i]! + img.pixels[i + 1]! + img.pixels[i + 2]!) / 3;
}

/** Bounding box (in input pixels, pixel edges) of the pixels where `test` holds, or null. */
function extent(img: ImageInput, test: (x: number, y: number) => boolean): { x1: number; y1: number; x2: number; y2: number; n: number; sx: number; sy: number } | null {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!test(x, y)) continue;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x + 1);
      y2 = Math.max(y2, y + 1);
      n++;
      sx += x + 0.5;
      sy += y + 0.5;
    }
  }
  return n === 0 ? null : { x1, y1, x2, y2, n, sx, sy };
}

/**
 * A detector of bright things: one box around all pixels brighter than 128 (label `bright`, score =
 * the bright fraction of that box), plus a fixed low-scoring `ghost` box for threshold tests and
 * boxes in the letterbox padding / off the image when `extra` is set.
 */
export class BrightBoxDetector implements Runtime<'image', 'boxes'> {
  readonly provider = 'test';
  readonly modelId = 'bright-boxes';
  readonly input = 'image' as const;
  readonly output = 'boxes' as const;
  readonly capabilities = capabilities;
  readonly seen: ImageInput[] = [];
  constructor(
    private readonly spec: ImageInputSpec = { width: 64, height: 64, fit: 'letterbox' },
    private readonly labels: readonly string[] | undefined = ['bright', 'ghost'],
    private readonly extra: readonly Box[] = [],
  ) {}
  async load(): Promise<RuntimeInfo> {
    return { ...(this.labels ? { labels: this.labels } : {}), image: this.spec };
  }
  async run(inputs: readonly ImageInput[], options?: RunOptions): Promise<BoxesOutput[]> {
    options?.signal?.throwIfAborted();
    return inputs.map((img) => {
      this.seen.push(img);
      const boxes: Box[] = [...this.extra, { x: 0, y: 0, width: 4, height: 4, label: 'ghost', score: 0.1 }];
      const e = extent(img, (x, y) => lum(img, x, y) > 128);
      if (e) boxes.push({ x: e.x1, y: e.y1, width: e.x2 - e.x1, height: e.y2 - e.y1, label: 'bright', score: e.n / ((e.x2 - e.x1) * (e.y2 - e.y1)) });
      return { kind: 'boxes', boxes };
    });
  }
  async dispose(): Promise<void> {}
}

/**
 * A "pose" model: the centroid of red pixels is `nose`, of green `left_eye`, of blue `right_eye`
 * (score 0.9 each, 0.05 when that colour is absent — placed at 0,0), one instance per image; with
 * `withBox` the instance carries the box of the coloured pixels labelled `person`.
 */
export class ColorKeypointDetector implements Runtime<'image', 'keypoints'> {
  readonly provider = 'test';
  readonly modelId = 'color-keypoints';
  readonly input = 'image' as const;
  readonly output = 'keypoints' as const;
  readonly capabilities = capabilities;
  constructor(
    private readonly spec: ImageInputSpec = { width: 48, height: 48, fit: 'letterbox' },
    private readonly withBox = false,
  ) {}
  async load(): Promise<RuntimeInfo> {
    return { labels: ['nose', 'left_eye', 'right_eye'], image: this.spec };
  }
  async run(inputs: readonly ImageInput[]): Promise<KeypointsOutput[]> {
    return inputs.map((img) => {
      const at = (x: number, y: number, c: number) => img.pixels[(y * img.width + x) * img.channels + c]!;
      const isColour = (c: number) => (x: number, y: number) => at(x, y, c) > 150 && at(x, y, (c + 1) % 3) < 100 && at(x, y, (c + 2) % 3) < 100;
      const points: Keypoint[] = ['nose', 'left_eye', 'right_eye'].map((label, c) => {
        const e = extent(img, isColour(c));
        return e ? { x: e.sx / e.n, y: e.sy / e.n, label, score: 0.9 } : { x: 0, y: 0, label, score: 0.05 };
      });
      const all = extent(img, (x, y) => [0, 1, 2].some((c) => isColour(c)(x, y)));
      const box = this.withBox && all ? { box: { x: all.x1, y: all.y1, width: all.x2 - all.x1, height: all.y2 - all.y1, label: 'person', score: 0.8 } } : {};
      return { kind: 'keypoints', instances: [{ score: 0.8, points, ...box }] };
    });
  }
  async dispose(): Promise<void> {}
}

/**
 * A segmenter: the mask of pixels brighter than 128 (label `bright`, score 0.9), computed at
 * `maskScale` × the input resolution (sampled at cell centres) — like real segmenters whose masks
 * are coarser than their input — and an empty `dark` mask that the head must drop.
 */
export class BrightMaskSegmenter implements Runtime<'image', 'masks'> {
  readonly provider = 'test';
  readonly modelId = 'bright-masks';
  readonly input = 'image' as const;
  readonly output = 'masks' as const;
  readonly capabilities = capabilities;
  constructor(
    private readonly spec: ImageInputSpec = { width: 64, height: 64, fit: 'letterbox' },
    private readonly maskScale = 1,
  ) {}
  async load(): Promise<RuntimeInfo> {
    return { labels: ['bright', 'dark'], image: this.spec };
  }
  async run(inputs: readonly ImageInput[]): Promise<MasksOutput[]> {
    return inputs.map((img) => {
      const width = Math.round(img.width * this.maskScale);
      const height = Math.round(img.height * this.maskScale);
      const data = new Uint8Array(width * height);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const ix = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / width));
          const iy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / height));
          data[y * width + x] = lum(img, ix, iy) > 128 ? 255 : 0;
        }
      }
      const masks: Mask[] = [
        { label: 'bright', score: 0.9, width, height, data },
        { label: 'dark', score: 0.9, width, height, data: new Uint8Array(width * height) },
      ];
      return { kind: 'masks', masks };
    });
  }
  async dispose(): Promise<void> {}
}
