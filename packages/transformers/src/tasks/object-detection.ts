// object-detection → boxes in the pixel coordinates of the ImageInput (the detector's own resizing is
// undone by the pipeline). transformers.js' pipeline takes one image per call.
import { numberParam, type BoxesOutput, type ImageInput, type RunOptions } from '@lsml/core';
import type { RawImageLike } from '../library-types.js';
import type { LoadedPipeline } from '../pipelines.js';
import type { ObjectDetectionOptions } from '../settings.js';
import { rawImage } from './classification.js';
import { batched, type TaskContext } from './context.js';

interface Detection {
  label: string;
  score: number;
  box: { xmin: number; ymin: number; xmax: number; ymax: number };
}

function isDetection(v: unknown): v is Detection {
  const d = v as Detection;
  return typeof d?.label === 'string' && typeof d.score === 'number' && typeof d.box?.xmin === 'number';
}

/** Boxes of one image, in its pixels, clamped to it; scores below `threshold` dropped. */
export async function detectObjects(loaded: LoadedPipeline, image: RawImageLike, threshold: number): Promise<BoxesOutput> {
  const out = await loaded.pipe(image, { threshold, percentage: false });
  const clampX = (v: number) => Math.min(image.width, Math.max(0, v));
  const clampY = (v: number) => Math.min(image.height, Math.max(0, v));
  const boxes = (Array.isArray(out) ? out : [])
    .filter(isDetection)
    // Filtered here too: @xenova/transformers 2.x ignores the threshold for DETR-style models.
    .filter((d) => d.score >= threshold)
    .map((d) => {
      const x = clampX(d.box.xmin);
      const y = clampY(d.box.ymin);
      return { x, y, width: clampX(d.box.xmax) - x, height: clampY(d.box.ymax) - y, label: d.label, score: d.score };
    })
    .filter((b) => b.width > 0 && b.height > 0);
  return { kind: 'boxes', boxes };
}

/** object-detection: `params.threshold`, else `options.threshold`, else 0.5. */
export function runObjectDetection(ctx: TaskContext, inputs: readonly ImageInput[], options: ObjectDetectionOptions, params: RunOptions['params'] = {}): Promise<BoxesOutput[]> {
  const threshold = numberParam(params.threshold, options.threshold ?? 0.5);
  const items = inputs.map((i) => ({ image: rawImage(ctx.loaded, i), threshold }));
  return batched(ctx, `object-detection`, items, async (batch) => {
    const out: BoxesOutput[] = [];
    // One image per pipeline call (its limit); batching still queues concurrent callers in order.
    for (const item of batch) out.push(await detectObjects(ctx.loaded, item.image, item.threshold));
    return out;
  });
}
