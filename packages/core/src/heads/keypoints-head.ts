// <KeyPointLabels> ← keypoints: pose / landmark estimation on an <Image>.
import type { BoundHead, HeadBinding, HeadRequest, TaskHead } from '../contract/head.js';
import type { ImageInput } from '../contract/inputs.js';
import type { Box, KeypointInstance, KeypointsOutput } from '../contract/outputs.js';
import type { PredictionValue, ResultItem, Task } from '../protocol/types.js';
import { clampScore, findHeadTarget, numberParam } from './head-targets.js';
import { imageMeta, labelLookup, meanScore, percent, readHeadImage, siblingControl, toOriginal, type ImageHeadMediaOptions } from './image-regions.js';
import { boxRegion } from './rectangles-head.js';

/** Options of `keypointsHead`. */
export interface KeypointsHeadOptions extends ImageHeadMediaOptions {
  /** The control to fill (default: the first `<KeyPointLabels>` over an `<Image>`). */
  readonly control?: string;
  /** Keypoints scoring below this are dropped (default 0.3). extra_params `keypoint_threshold` overrides it. */
  readonly keypointThreshold?: number;
  /** Instances (people) scoring below this are dropped (default 0.2). extra_params `score_threshold` overrides it. */
  readonly scoreThreshold?: number;
  /** At most this many instances per task, best first (default 20). extra_params `max_regions` overrides it. */
  readonly maxInstances?: number;
  /** The keypoint value's `width` (point size, percent of the image width; default 0.5). */
  readonly pointWidth?: number;
  /**
   * How one instance's keypoints are tied together:
   * - `auto` (default): `rectangle` when the config has a `<RectangleLabels>` over the same image,
   *   otherwise `none`;
   * - `rectangle`: a RectangleLabels region around the instance (its box, or the box of its kept
   *   keypoints), and every keypoint's `parentID` is that rectangle's id;
   * - `parent`: every keypoint's `parentID` is the instance's first kept keypoint;
   * - `none`: independent keypoints.
   */
  readonly group?: 'auto' | 'rectangle' | 'parent' | 'none';
  /**
   * The RectangleLabels label of an instance rectangle when the instance's box label does not map to
   * one (default: the control's only label, else `person` if it has one).
   */
  readonly instanceLabel?: string;
}

/**
 * The head for `<KeyPointLabels>` over an `<Image>`, for every runtime returning `keypoints` (pose
 * estimators). One KeyPointLabels region per kept keypoint (`x, y` in percent of the ORIGINAL image,
 * `width` the point size), keypoint names mapped to the config's labels (`predicted_values`
 * honoured); keypoints outside the image or below `keypoint_threshold` are dropped, as are instances
 * below `score_threshold`. With a `<RectangleLabels>` over the same image, each instance also gets a
 * rectangle and its keypoints point to it with `parentID` (see `group`).
 *
 * ```ts
 * export default backend({ runtime: tfjsRuntime({ model: './movenet', family: 'movenet' }), head: keypointsHead({ keypointThreshold: 0.3 }) });
 * ```
 */
export function keypointsHead(options: KeypointsHeadOptions = {}): TaskHead<'image', 'keypoints'> {
  return {
    name: 'keypoints',
    input: 'image',
    output: 'keypoints',
    bind(binding: HeadBinding): BoundHead<'image', 'keypoints'> {
      const { control, object, field } = findHeadTarget(binding.labelInterface, ['KeyPointLabels'], ['Image'], options.control);
      const li = binding.labelInterface!;
      const lookup = labelLookup(binding, li, control, binding.runtime.labels);
      const rectControl = siblingControl(li, object.name, ['RectangleLabels']);
      const mode = options.group ?? 'auto';
      const group = mode === 'auto' ? (rectControl ? 'rectangle' : 'none') : mode;
      const rectLookup = rectControl ? labelLookup(binding, li, rectControl, undefined) : undefined;
      const fallbackRectLabel =
        options.instanceLabel ??
        (rectControl?.labels.length === 1 ? rectControl.labels[0] : rectControl?.labels.find((l) => l.toLowerCase() === 'person'));
      const pointWidth = options.pointWidth ?? 0.5;

      const instanceBox = (instance: KeypointInstance, kept: KeypointInstance['points']): Box | undefined => {
        if (instance.box) return instance.box;
        if (kept.length === 0) return undefined;
        const xs = kept.map((p) => p.x);
        const ys = kept.map((p) => p.y);
        const x = Math.min(...xs);
        const y = Math.min(...ys);
        return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y, label: '', score: instance.score };
      };

      return {
        fromName: control.name,
        toName: object.name,
        labels: [...control.labels],
        toInput: (task: Task, request: HeadRequest) => readHeadImage(binding, field, options, task, request),
        toPrediction(output: KeypointsOutput, input: ImageInput, _task: Task, request: HeadRequest): PredictionValue {
          const pointThreshold = numberParam(request.extraParams.keypoint_threshold, options.keypointThreshold ?? 0.3);
          const instanceThreshold = numberParam(request.extraParams.score_threshold, options.scoreThreshold ?? 0.2);
          const max = Math.max(0, Math.floor(numberParam(request.extraParams.max_regions, options.maxInstances ?? 20)));
          const W = input.originalWidth;
          const H = input.originalHeight;
          const result: ResultItem[] = [];
          const scores: number[] = [];
          const instances = [...output.instances].filter((i) => Number.isFinite(i.score) && i.score >= instanceThreshold).sort((a, b) => b.score - a.score).slice(0, max);
          instances.forEach((instance, n) => {
            const kept = instance.points.flatMap((p) => {
              if (!(Number.isFinite(p.score) && p.score >= pointThreshold && Number.isFinite(p.x) && Number.isFinite(p.y))) return [];
              const label = lookup(p.label);
              if (label === undefined) return [];
              const o = toOriginal(input, p.x, p.y);
              // Letterbox padding or a point off the image: Label Studio rejects coordinates over 100 %.
              if (o.x < 0 || o.y < 0 || o.x > W || o.y > H) return [];
              return [{ point: p, label, o }];
            });
            if (kept.length === 0) return;
            let parentID: string | undefined;
            if (group === 'rectangle' && rectControl && rectLookup) {
              const box = instanceBox(instance, kept.map((k) => k.point));
              const label = (box?.label ? rectLookup(box.label) : undefined) ?? fallbackRectLabel;
              if (box && label !== undefined) {
                const rect = boxRegion({ ...box, score: instance.score }, label, input, { fromName: rectControl.name, toName: object.name, id: `person${n}` });
                if (rect) {
                  result.push(rect);
                  parentID = `person${n}`;
                }
              }
            }
            kept.forEach((k, j) => {
              const id = `kp${n}-${j}`;
              result.push({
                id,
                from_name: control.name,
                to_name: object.name,
                type: 'keypointlabels',
                ...imageMeta(input),
                ...(parentID !== undefined ? { parentID } : {}),
                value: { x: percent(k.o.x, W), y: percent(k.o.y, H), width: pointWidth, keypointlabels: [k.label] },
                score: clampScore(k.point.score),
              } as ResultItem);
              if (group === 'parent' && j === 0) parentID = id;
              scores.push(clampScore(k.point.score));
            });
          });
          return { score: meanScore(scores), result };
        },
        labelsOf(annotation) {
          const labels = (annotation.result ?? []).flatMap((item) => {
            if (!('from_name' in item) || item.from_name !== control.name) return [];
            const value = item.value as { keypointlabels?: unknown } | undefined;
            return Array.isArray(value?.keypointlabels) ? value.keypointlabels.filter((l): l is string => typeof l === 'string') : [];
          });
          return labels.length > 0 ? [...new Set(labels)] : null;
        },
      };
    },
  };
}
