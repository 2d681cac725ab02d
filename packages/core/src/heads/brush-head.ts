// <BrushLabels> ← masks: segmentation on an <Image>, as Label Studio brush RLE.
import type { BoundHead, HeadBinding, HeadRequest, TaskHead } from '../contract/head.js';
import type { ImageInput } from '../contract/inputs.js';
import type { Mask, MasksOutput } from '../contract/outputs.js';
import { encodeRle } from '../label-config/brush-rle.js';
import type { PredictionValue, ResultItem, Task } from '../protocol/types.js';
import { clampScore, findHeadTarget, numberParam } from './head-targets.js';
import { imageMeta, labelLookup, meanScore, percent, readHeadImage, siblingControl, type ImageHeadMediaOptions } from './image-regions.js';
import { maskContour } from './mask-contour.js';

/** Options of `brushHead`. */
export interface BrushHeadOptions extends ImageHeadMediaOptions {
  /** The control to fill (default: the first `<BrushLabels>` over an `<Image>`). */
  readonly control?: string;
  /** Masks scoring below this are dropped (default 0.5). extra_params `score_threshold` overrides it. */
  readonly scoreThreshold?: number;
  /** A mask pixel is inside when its value is at least this (0..255, default 128). extra_params `mask_threshold`. */
  readonly maskThreshold?: number;
  /** At most this many masks per task, best first (default 50). extra_params `max_regions` overrides it. */
  readonly maxRegions?: number;
  /**
   * Also predict a `<PolygonLabels>` region per mask (the outline of its largest blob) when the config
   * has one over the same image (default true). `false` never does.
   */
  readonly polygons?: boolean;
  /** Polygon simplification tolerance in original pixels (Douglas–Peucker; default 1.5). */
  readonly polygonTolerance?: number;
}

/**
 * A model mask (in `ImageInput` pixels, any resolution) resampled to the ORIGINAL image: each original
 * pixel centre is mapped through the decoder's transform into the mask and the mask is sampled
 * bilinearly, then thresholded to 0 / 255. Letterbox padding falls outside the image and is dropped.
 */
export function maskToOriginal(mask: Mask, input: ImageInput, threshold = 128): Uint8Array {
  const W = input.originalWidth;
  const H = input.originalHeight;
  const out = new Uint8Array(W * H);
  const t = input.transform;
  // Original pixel centre → input pixel → mask pixel (the mask may be coarser than the input).
  const sx = (mask.width / input.width) * t.scaleX;
  const sy = (mask.height / input.height) * t.scaleY;
  const ox = (mask.width / input.width) * t.offsetX;
  const oy = (mask.height / input.height) * t.offsetY;
  const mw = mask.width;
  const mh = mask.height;
  const data = mask.data;
  const xs0 = new Int32Array(W);
  const xs1 = new Int32Array(W);
  const fx = new Float64Array(W);
  for (let x = 0; x < W; x++) {
    const mx = Math.min(mw - 1, Math.max(0, (x + 0.5) * sx + ox - 0.5));
    xs0[x] = Math.floor(mx);
    xs1[x] = Math.min(mw - 1, xs0[x]! + 1);
    fx[x] = mx - xs0[x]!;
  }
  for (let y = 0; y < H; y++) {
    const my = Math.min(mh - 1, Math.max(0, (y + 0.5) * sy + oy - 0.5));
    const y0 = Math.floor(my);
    const y1 = Math.min(mh - 1, y0 + 1);
    const fy = my - y0;
    const r0 = y0 * mw;
    const r1 = y1 * mw;
    for (let x = 0; x < W; x++) {
      const a = data[r0 + xs0[x]!]!;
      const b = data[r0 + xs1[x]!]!;
      const c = data[r1 + xs0[x]!]!;
      const d = data[r1 + xs1[x]!]!;
      const f = fx[x]!;
      const v = (a + (b - a) * f) * (1 - fy) + (c + (d - c) * f) * fy;
      out[y * W + x] = v >= threshold ? 255 : 0;
    }
  }
  return out;
}

/**
 * The head for `<BrushLabels>` over an `<Image>`, for every runtime returning `masks` (segmentation).
 * Each mask is resampled to the ORIGINAL image size (`maskToOriginal`), thresholded, and written as
 * Label Studio brush RLE (`format: "rle"`, `encodeRle`); labels map through the config
 * (`predicted_values` honoured); empty masks and masks below `score_threshold` are dropped. With a
 * `<PolygonLabels>` over the same image the outline of each mask's largest blob is predicted too.
 *
 * ```ts
 * export default backend({ runtime: tfjsRuntime({ model: './selfie', family: 'selfie' }), head: brushHead() });
 * ```
 */
export function brushHead(options: BrushHeadOptions = {}): TaskHead<'image', 'masks'> {
  return {
    name: 'brush',
    input: 'image',
    output: 'masks',
    bind(binding: HeadBinding): BoundHead<'image', 'masks'> {
      const { control, object, field } = findHeadTarget(binding.labelInterface, ['BrushLabels'], ['Image'], options.control);
      const li = binding.labelInterface!;
      const lookup = labelLookup(binding, li, control, binding.runtime.labels);
      const polygonControl = options.polygons === false ? undefined : siblingControl(li, object.name, ['PolygonLabels']);
      const polygonLookup = polygonControl ? labelLookup(binding, li, polygonControl, undefined) : undefined;
      return {
        fromName: control.name,
        toName: object.name,
        labels: [...control.labels],
        toInput: (task: Task, request: HeadRequest) => readHeadImage(binding, field, options, task, request),
        toPrediction(output: MasksOutput, input: ImageInput, _task: Task, request: HeadRequest): PredictionValue {
          const threshold = numberParam(request.extraParams.score_threshold, options.scoreThreshold ?? 0.5);
          const maskThreshold = numberParam(request.extraParams.mask_threshold, options.maskThreshold ?? 128);
          const max = Math.max(0, Math.floor(numberParam(request.extraParams.max_regions, options.maxRegions ?? 50)));
          const result: ResultItem[] = [];
          const scores: number[] = [];
          const ranked = [...output.masks].filter((m) => Number.isFinite(m.score) && m.score >= threshold).sort((a, b) => b.score - a.score);
          for (const mask of ranked) {
            if (scores.length >= max) break;
            const label = lookup(mask.label);
            if (label === undefined) continue;
            if (!(mask.width > 0 && mask.height > 0 && mask.data.length >= mask.width * mask.height)) continue;
            const pixels = maskToOriginal(mask, input, maskThreshold);
            if (!pixels.includes(255)) continue;
            const n = scores.length;
            const score = clampScore(mask.score);
            result.push({
              id: `mask${n}`,
              from_name: control.name,
              to_name: object.name,
              type: 'brushlabels',
              ...imageMeta(input),
              value: { format: 'rle', rle: encodeRle(pixels), brushlabels: [label] },
              score,
            } as ResultItem);
            const polygonLabel = polygonLookup?.(mask.label) ?? polygonLookup?.(label);
            if (polygonControl && polygonLabel !== undefined) {
              const contour = maskContour(pixels, input.originalWidth, input.originalHeight, options.polygonTolerance ?? 1.5);
              if (contour.length >= 3) {
                result.push({
                  id: `polygon${n}`,
                  from_name: polygonControl.name,
                  to_name: object.name,
                  type: 'polygonlabels',
                  ...imageMeta(input),
                  value: { points: contour.map(([x, y]) => [percent(x, input.originalWidth), percent(y, input.originalHeight)]), closed: true, polygonlabels: [polygonLabel] },
                  score,
                } as ResultItem);
              }
            }
            scores.push(score);
          }
          return { score: meanScore(scores), result };
        },
        labelsOf(annotation) {
          const labels = (annotation.result ?? []).flatMap((item) => {
            if (!('from_name' in item) || item.from_name !== control.name) return [];
            const value = item.value as { brushlabels?: unknown } | undefined;
            return Array.isArray(value?.brushlabels) ? value.brushlabels.filter((l): l is string => typeof l === 'string') : [];
          });
          return labels.length > 0 ? [...new Set(labels)] : null;
        },
      };
    },
  };
}
