/**
 * The one error base class of lsml. Every error that lsml or an adapter throws on purpose extends it,
 * carries a stable machine-readable `code`, and says which HTTP status it maps to when it escapes a
 * request (the server answers `status` with a JSON envelope; unknown errors stay 500).
 *
 * ```ts
 * import { LsmlError } from '@lsml/core';
 * try { await runtime.load(); } catch (e) { if (LsmlError.is(e) && e.code === 'model_load') ... }
 * ```
 */
export class LsmlError extends Error {
  /** Stable identifier, e.g. `label_config_mismatch`; part of the public API (do not rename). */
  readonly code: string;
  /** HTTP status the server answers when this error escapes a request. */
  readonly status: number;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.name = new.target.name;
    // A brand instead of instanceof alone: a model file may load the CJS copy of @lsml/core while the
    // server runs the ESM copy, and those are different classes.
    Object.defineProperty(this, LSML_ERROR_BRAND, { value: true });
  }

  /** True for an LsmlError from any copy of `@lsml/core`. */
  static is(value: unknown): value is LsmlError {
    return value instanceof Error && (value as unknown as Record<symbol, unknown>)[LSML_ERROR_BRAND] === true;
  }
}

const LSML_ERROR_BRAND = Symbol.for('lsml.LsmlError');

/**
 * The label config does not fit this model: the control/object pair it needs is missing, or no label
 * of the config matches a class of the model. Same error, same 422, from every adapter; the message
 * names the control and what the model needs, and Label Studio shows it as the backend's error.
 */
export class LabelConfigMismatchError extends LsmlError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('label_config_mismatch', message, { status: 422, ...options });
  }
}

/**
 * One task cannot be turned into model input (its field is missing, of the wrong type, or its media
 * cannot be read). Not a request error: the backend logs a warning naming the task and field, gives
 * that task no prediction, and predicts the rest of the batch.
 */
export class TaskInputError extends LsmlError {
  /** The task's id, when it has one. */
  readonly taskId: number | undefined;
  /** The `task.data` key that was missing or wrong. */
  readonly field: string;

  constructor(message: string, details: { taskId?: number; field: string; cause?: unknown }) {
    super('task_input', message, { status: 422, cause: details.cause });
    this.taskId = details.taskId;
    this.field = details.field;
  }
}
