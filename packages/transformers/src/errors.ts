// The one error class of @lsml/transformers. Its codes are the ones every adapter uses for the same
// situation, so callers (and the server, through `status`) treat a missing model or a bad input the
// same way whichever framework runs it.
import { LsmlError } from '@lsml/core';

/**
 * What went wrong, as a stable string shared across adapters:
 * - `model_load`: the model (or the transformers.js library) could not be found or loaded (500);
 * - `invalid_settings`: the runtime settings ask for something this library or task cannot do (500);
 * - `provider_unavailable`: the requested device (e.g. `cuda`) cannot run with the installed library (500);
 * - `invalid_input`: an input handed to `run` is not what the task takes (400);
 * - `inference`: the model ran but its output is not what the task expects (500).
 */
export type TransformersErrorCode = 'model_load' | 'invalid_settings' | 'provider_unavailable' | 'invalid_input' | 'inference';

/** Where a model was looked for and what was missing (for `model_load`). */
export interface ModelLoadDetails {
  /** The hub id, or the absolute folder. */
  readonly model: string;
  readonly task: string;
  /** The transformers.js package that tried to load it. */
  readonly library: string;
  /** The folder (local model) or cache folder (hub model) the files were looked for in. */
  readonly location: string;
  /** Files the library needs, relative to `location`. */
  readonly expected: readonly string[];
  /** The expected files that are not there (local folders). */
  readonly missing?: readonly string[];
}

const STATUS: Record<TransformersErrorCode, number> = { model_load: 500, invalid_settings: 500, provider_unavailable: 500, invalid_input: 400, inference: 500 };

/**
 * An error of the transformers.js adapter.
 *
 * ```ts
 * import { TransformersError, transformersRuntime } from '@lsml/transformers';
 * try {
 *   await transformersRuntime({ task: 'token-classification', model: './models/ner' }).load();
 * } catch (err) {
 *   if (err instanceof TransformersError && err.code === 'model_load') console.error(err.details?.missing);
 * }
 * ```
 */
export class TransformersError extends LsmlError {
  declare readonly code: TransformersErrorCode;
  /** For `model_load`: what was expected where. */
  readonly details: ModelLoadDetails | undefined;

  constructor(code: TransformersErrorCode, message: string, options: { cause?: unknown; details?: ModelLoadDetails } = {}) {
    super(code, message, { status: STATUS[code], cause: options.cause });
    this.details = options.details;
  }
}
