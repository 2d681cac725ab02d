// The one error class of @lsml/onnx: core's LsmlError with the code strings every adapter uses for the
// same situation, plus the ONNX details (which input, which provider, which file) where there are some.
import { LsmlError } from '@lsml/core';
import type { Tensor } from 'onnxruntime-node';

/**
 * Why an ONNX operation failed. The same strings mean the same thing in `@lsml/tfjs` and
 * `@lsml/transformers`:
 * - `model_load`: the model file is missing or onnxruntime cannot parse it (500);
 * - `provider_unavailable`: an execution provider that was asked for explicitly cannot run here (500);
 * - `invalid_input`: an input does not fit the model — a feed's name, element type or shape, or an input
 *   of another kind than the runtime takes (400);
 * - `invalid_settings`: the settings do not fit the model — label count vs. output classes, an output or
 *   input name the model lacks (500);
 * - `disposed`: the model was released and is used again without `load()` (500).
 */
export type OnnxErrorCode = 'model_load' | 'provider_unavailable' | 'invalid_input' | 'invalid_settings' | 'disposed';

const STATUS: Record<OnnxErrorCode, number> = {
  model_load: 500,
  provider_unavailable: 500,
  invalid_input: 400,
  invalid_settings: 500,
  disposed: 500,
};

/** A model input as the model file declares it. */
export interface DeclaredTensor {
  /** Element type; `null` for a non-tensor value. */
  readonly type: Tensor.Type | null;
  /** Fixed dims as numbers, symbolic dims by name. */
  readonly shape: ReadonlyArray<number | string>;
}

/** A tensor as it was given. */
export interface GivenTensor {
  /** Its element type. */
  readonly type: string;
  /** Its dims. */
  readonly dims: readonly number[];
}

/** What an `OnnxError` is about, when it is about something in particular. */
export interface OnnxErrorDetails {
  /** The model file (absolute path) or `'<bytes>'`. */
  readonly source?: string;
  /** The execution provider (`provider_unavailable`). */
  readonly provider?: string;
  /** The model input a feed did not fit (`invalid_input`); `''` when the feeds were not an object. */
  readonly input?: string;
  /** What the model declares for that input. */
  readonly expected?: DeclaredTensor | null;
  /** What it was given. */
  readonly actual?: GivenTensor | null;
  /** The underlying error (onnxruntime's message), if any. */
  readonly cause?: unknown;
}

/**
 * An error from `@lsml/onnx`. `code` is stable (see `OnnxErrorCode`); `status` is the HTTP status the
 * server answers when it escapes a request.
 *
 * ```ts
 * import { OnnxError } from '@lsml/onnx';
 * try { await runtime.load(); } catch (e) { if (e instanceof OnnxError && e.code === 'provider_unavailable') ... }
 * ```
 */
export class OnnxError extends LsmlError {
  /** Narrowed from `LsmlError.code`. */
  declare readonly code: OnnxErrorCode;
  /** The model file, when the error is about one. */
  readonly source: string | undefined;
  /** The execution provider, for `provider_unavailable`. */
  readonly provider: string | undefined;
  /** The model input a feed did not fit, for `invalid_input` from the feed checks. */
  readonly input: string | undefined;
  /** The declared type and shape of that input. */
  readonly expected: OnnxErrorDetails['expected'];
  /** The type and dims it was given. */
  readonly actual: OnnxErrorDetails['actual'];

  constructor(code: OnnxErrorCode, message: string, details: OnnxErrorDetails = {}) {
    super(code, message, { status: STATUS[code], cause: details.cause });
    this.source = details.source;
    this.provider = details.provider;
    this.input = details.input;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}
