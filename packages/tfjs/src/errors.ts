// The one error class of @lsml/tfjs. Codes are shared with the other adapters (@lsml/onnx,
// @lsml/transformers) so that callers branch on `code`, never on the adapter.
import { LsmlError } from '@lsml/core';

/**
 * Stable codes of `TfjsError` (same strings in every adapter for the same situation):
 * - `model_load`: a model file is missing, unreadable, corrupt, or not the kind this runtime serves (500);
 * - `invalid_input`: an input or training examples this runtime cannot use (400);
 * - `invalid_settings`: settings this runtime cannot use — a bad number, an unknown backend name, fewer
 *   than two labels (500);
 * - `provider_unavailable`: the requested TF.js backend (tensorflow, wasm, cpu) cannot be initialised (500);
 * - `not_loaded`: `run`/`save` before a model exists (untrained, or `load()` not called) (409);
 * - `worker_failed`: a worker thread crashed or the thread pool refused the work (503).
 */
export type TfjsErrorCode = 'model_load' | 'invalid_input' | 'invalid_settings' | 'provider_unavailable' | 'not_loaded' | 'worker_failed';

const STATUS: Record<TfjsErrorCode, number> = {
  model_load: 500,
  invalid_input: 400,
  invalid_settings: 500,
  provider_unavailable: 500,
  not_loaded: 409,
  worker_failed: 503,
};

/**
 * What `@lsml/tfjs` throws on purpose. `code` says what went wrong; `file` names the model file at
 * fault for `model_load`.
 *
 * ```ts
 * import { TfjsError } from '@lsml/tfjs';
 * try { await runtime.restore(dir); } catch (e) { if (e instanceof TfjsError && e.code === 'model_load') console.error(e.file); }
 * ```
 */
export class TfjsError extends LsmlError {
  /** The adapter-wide code (see `TfjsErrorCode`). */
  declare readonly code: TfjsErrorCode;
  /** The model file at fault, for `model_load`. */
  readonly file: string | undefined;

  constructor(code: TfjsErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(code, message, { status: STATUS[code], cause: options.cause });
    this.file = options.file;
  }
}
