// object-detection → <RectangleLabels> on an <Image>: boxes in percent of the image, with the image's
// original size, one region per detection whose label the config knows.
import type { LabelInterface, PredictionValue } from '@lsml/core';
import type { RawImageLike } from '../library-types.js';
import type { LoadedPipeline } from '../runtime.js';
import { findTarget, lookupLabel, mapModelLabels, modelLabelNames, numberOption, type LabelTarget } from './shared.js';
import { loadTaskImage, type ImageOptions } from './task-images.js';
import type { MappingContext, PredictInput, TaskMapping, TaskPredictions } from './task-mapping.js';

/** Options of {@link objectDetectionMapping}. */
export interface ObjectDetectionOptions extends ImageOptions {
  /** Lowest score kept (default 0.5); extra_params `threshold`. */
  threshold?: number;
}

export interface RectangleTarget extends LabelTarget {
  labelMap: Record<string, string>;
}

/** One object an object-detection model found. */
export interface Detection {
  label: string;
  score: number;
  /** Fractions of the image width/height (0..1). */
  box: { xmin: number; ymin: number; xmax: number; ymax: number };
}

function isDetection(v: unknown): v is Detection {
  const d = v as Detection;
  return typeof d?.label === 'string' && typeof d.score === 'number' && typeof d.box?.xmin === 'number';
}

/** Detections with boxes as fractions of the image (the pipeline takes one image per call). */
export async function detectObjects(loaded: LoadedPipeline, image: RawImageLike, threshold: number): Promise<Detection[]> {
  const out = await loaded.pipe(image, { threshold, percentage: true });
  // Filtered here too: @xenova/transformers 2.x ignores the threshold for DETR-style models.
  return (Array.isArray(out) ? out : []).filter(isDetection).filter((d) => d.score >= threshold);
}

const clampPct = (v: number) => Math.min(100, Math.max(0, v * 100));

/** Detections as one prediction of rectangle regions (labels mapped to the config's; others dropped). */
export function rectanglePredictions(detections: readonly Detection[], image: RawImageLike, target: RectangleTarget): PredictionValue {
  const result = detections.flatMap((d) => {
    const label = lookupLabel(target.labelMap, d.label);
    if (label === undefined) return [];
    const x = clampPct(d.box.xmin);
    const y = clampPct(d.box.ymin);
    const width = clampPct(d.box.xmax) - x;
    const height = clampPct(d.box.ymax) - y;
    if (width <= 0 || height <= 0) return [];
    return [
      {
        from_name: target.fromName,
        to_name: target.toName,
        type: 'rectanglelabels',
        original_width: image.width,
        original_height: image.height,
        image_rotation: 0,
        value: { x, y, width, height, rotation: 0, rectanglelabels: [label] },
        score: d.score,
      },
    ];
  });
  const score = result.length > 0 ? result.reduce((a, r) => a + r.score, 0) / result.length : 0;
  return { score, result };
}

/** `object-detection` → `<RectangleLabels>` over an `<Image>`. */
export function objectDetectionMapping(options: ObjectDetectionOptions = {}): TaskMapping<RectangleTarget> {
  return {
    prepare(li: LabelInterface | undefined, ctx: MappingContext): RectangleTarget {
      const target = findTarget(li, 'object-detection', 'RectangleLabels', ['Image']);
      const labelMap = mapModelLabels(li as LabelInterface, target.fromName, modelLabelNames(ctx.loaded.pipe.model.config), ctx.loaded.model, (unmapped) =>
        ctx.logger.debug({ control: target.fromName, unmapped }, 'Model classes without a config label are never predicted'),
      );
      return { ...target, labelMap };
    },
    async predict(target: RectangleTarget, input: PredictInput, ctx: MappingContext): Promise<TaskPredictions[]> {
      const threshold = numberOption(input.extraParams.threshold, options.threshold ?? 0.5);
      const out: TaskPredictions[] = [];
      // One image per model call (the pipeline's limit), so no micro-batching here.
      for (const task of input.tasks) {
        const image = await loadTaskImage(ctx.loaded, task, target.field, options);
        out.push(rectanglePredictions(await detectObjects(ctx.loaded, image, threshold), image, target));
      }
      return out;
    },
  };
}
