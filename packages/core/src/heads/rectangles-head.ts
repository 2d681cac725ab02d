// <RectangleLabels> ← boxes: object detection on an <Image>.
import type { BoundHead, HeadBinding, HeadRequest, TaskHead } from '../contract/head.js';
import type { ImageInput } from '../contract/inputs.js';
import type { Box, BoxesOutput } from '../contract/outputs.js';
import type { PredictionValue, ResultItem, Task } from '../protocol/types.js';
import { clampScore, findHeadTarget, numberParam } from './head-targets.js';
import { clamp, imageMeta, labelLookup, meanScore, percent, readHeadImage, toOriginal, type ImageHeadMediaOptions } from './image-regions.js';

/** Options of `rectanglesHead`. */
export interface RectanglesHeadOptions extends ImageHeadMediaOptions {
  /** The control to fill (default: the first `<RectangleLabels>` over an `<Image>`). */
  readonly control?: string;
  /** Boxes scoring below this are dropped (default 0.5). extra_params `score_threshold` overrides it. */
  readonly scoreThreshold?: number;
  /** At most this many boxes per task, best first (default 100). extra_params `max_regions` overrides it. */
  readonly maxRegions?: number;
}

/** One box in original-image pixels, clamped to the image; null when nothing of it is inside. */
export function boxToOriginal(box: Pick<Box, 'x' | 'y' | 'width' | 'height'>, input: ImageInput): { x: number; y: number; width: number; height: number } | null {
  const a = toOriginal(input, box.x, box.y);
  const b = toOriginal(input, box.x + box.width, box.y + box.height);
  const x1 = clamp(Math.min(a.x, b.x), 0, input.originalWidth);
  const y1 = clamp(Math.min(a.y, b.y), 0, input.originalHeight);
  const x2 = clamp(Math.max(a.x, b.x), 0, input.originalWidth);
  const y2 = clamp(Math.max(a.y, b.y), 0, input.originalHeight);
  if (!(x2 > x1 && y2 > y1)) return null;
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/**
 * The RectangleLabels region of one box: position and size in percent of the ORIGINAL image
 * (`original_width/height` set, `rotation: 0`), the config label, the box's score. Null when the box
 * lies outside the image.
 */
export function boxRegion(box: Box, label: string, input: ImageInput, names: { fromName: string; toName: string; id: string }): ResultItem | null {
  const o = boxToOriginal(box, input);
  if (!o) return null;
  const W = input.originalWidth;
  const H = input.originalHeight;
  return {
    id: names.id,
    from_name: names.fromName,
    to_name: names.toName,
    type: 'rectanglelabels',
    ...imageMeta(input),
    value: { x: percent(o.x, W), y: percent(o.y, H), width: percent(o.width, W), height: percent(o.height, H), rotation: 0, rectanglelabels: [label] },
    score: clampScore(box.score),
  } as ResultItem;
}

/**
 * The head for `<RectangleLabels>` over an `<Image>`, for every runtime returning `boxes` (object
 * detectors). Boxes come in the runtime's input pixels; the head maps them back through the decoder's
 * transform (letterbox padding removed) to percentages of the original image, keeps the ones scoring
 * at least `score_threshold`, best first, at most `max_regions`, and maps model classes to the
 * config's labels (`predicted_values` honoured; a class the config does not take is dropped).
 *
 * ```ts
 * export default backend({ runtime: tfjsRuntime({ model: './centernet', family: 'centernet' }), head: rectanglesHead({ scoreThreshold: 0.4 }) });
 * ```
 */
export function rectanglesHead(options: RectanglesHeadOptions = {}): TaskHead<'image', 'boxes'> {
  return {
    name: 'rectangles',
    input: 'image',
    output: 'boxes',
    bind(binding: HeadBinding): BoundHead<'image', 'boxes'> {
      const { control, object, field } = findHeadTarget(binding.labelInterface, ['RectangleLabels'], ['Image'], options.control);
      const lookup = labelLookup(binding, binding.labelInterface!, control, binding.runtime.labels);
      return {
        fromName: control.name,
        toName: object.name,
        labels: [...control.labels],
        toInput: (task: Task, request: HeadRequest) => readHeadImage(binding, field, options, task, request),
        toPrediction(output: BoxesOutput, input: ImageInput, _task: Task, request: HeadRequest): PredictionValue {
          const threshold = numberParam(request.extraParams.score_threshold, options.scoreThreshold ?? 0.5);
          const max = Math.max(0, Math.floor(numberParam(request.extraParams.max_regions, options.maxRegions ?? 100)));
          const result: ResultItem[] = [];
          const scores: number[] = [];
          const ranked = [...output.boxes].filter((b) => Number.isFinite(b.score) && b.score >= threshold).sort((a, b) => b.score - a.score);
          for (const box of ranked) {
            if (result.length >= max) break;
            const label = lookup(box.label);
            if (label === undefined) continue;
            if (![box.x, box.y, box.width, box.height].every(Number.isFinite)) continue;
            const region = boxRegion(box, label, input, { fromName: control.name, toName: object.name, id: `box${result.length}` });
            if (!region) continue;
            result.push(region);
            scores.push(clampScore(box.score));
          }
          return { score: meanScore(scores), result };
        },
        labelsOf(annotation) {
          const labels = (annotation.result ?? []).flatMap((item) => {
            if (!('from_name' in item) || item.from_name !== control.name) return [];
            const value = item.value as { rectanglelabels?: unknown } | undefined;
            return Array.isArray(value?.rectanglelabels) ? value.rectanglelabels.filter((l): l is string => typeof l === 'string') : [];
          });
          return labels.length > 0 ? [...new Set(labels)] : null;
        },
      };
    },
  };
}
