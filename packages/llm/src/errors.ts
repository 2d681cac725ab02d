// The one error class of @lsml/llm: core's LsmlError with the code strings every adapter uses for the
// same situation, plus the provider failures an LLM call can end in, each with the HTTP status Label
// Studio receives when it escapes a request.
import { LsmlError } from '@lsml/core';

/**
 * Why an LLM operation failed, and the HTTP status it answers:
 * - `provider_auth` (424): the provider rejected the API key (its 401 or 403). A 4xx, because retrying
 *   the same request will not help until the key is fixed; not 401, which Label Studio would read as
 *   the ML backend's own basic auth failing.
 * - `provider_model` (424): the provider does not know the model (its 404).
 * - `provider_request` (502): the provider refused the request for another reason (its other 4xx,
 *   e.g. a model without structured outputs).
 * - `provider_rate_limited` (503): still 429 after the retries (or the next `Retry-After` ends after
 *   the deadline).
 * - `provider_unavailable` (502): still 5xx, or the connection failed, after the retries.
 * - `provider_timeout` (504): no answer within `timeoutMs` (per call) or `deadlineMs` (per task).
 * - `model_load` (500): the local model could not be loaded.
 * - `invalid_input` (400): `run` was given something other than text inputs.
 * - `invalid_settings` (500): the settings cannot work (no model name, a bad number).
 */
export type LlmErrorCode =
  | 'provider_auth'
  | 'provider_model'
  | 'provider_request'
  | 'provider_rate_limited'
  | 'provider_unavailable'
  | 'provider_timeout'
  | 'model_load'
  | 'invalid_input'
  | 'invalid_settings';

const STATUS: Record<LlmErrorCode, number> = {
  provider_auth: 424,
  provider_model: 424,
  provider_request: 502,
  provider_rate_limited: 503,
  provider_unavailable: 502,
  provider_timeout: 504,
  model_load: 500,
  invalid_input: 400,
  invalid_settings: 500,
};

/**
 * An error from `@lsml/llm`. `code` is stable (see `LlmErrorCode`); `status` is the HTTP status the
 * server answers with. Messages never contain the API key (it is masked in anything the provider
 * echoes back).
 *
 * ```ts
 * try { await runtime.run(inputs); } catch (e) { if (e instanceof LlmError && e.code === 'provider_auth') ... }
 * ```
 */
export class LlmError extends LsmlError {
  /** The provider's HTTP status, when the failure was an HTTP answer. */
  readonly providerStatus: number | undefined;
  /** The wait the provider asked for (its `Retry-After`), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(code: LlmErrorCode, message: string, options: { providerStatus?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(code, message, { status: STATUS[code], cause: options.cause });
    this.providerStatus = options.providerStatus;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Worth another try after a wait: rate limits and provider failures, not a bad key or a timeout. */
  get retryable(): boolean {
    return this.code === 'provider_rate_limited' || this.code === 'provider_unavailable';
  }

  /** The status `code` maps to. */
  static statusOf(code: LlmErrorCode): number {
    return STATUS[code];
  }
}
