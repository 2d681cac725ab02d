/**
 * Per-project key/value state, the same model as the Python SDK's cache (§6.2): string values,
 * scoped by project id. Methods may be sync or async so that a Redis store fits the same interface;
 * callers always `await` them.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface StateStore {
  /** A short name for logs and metrics (`sqlite`, `memory`, `redis`). */
  readonly kind: string;
  get(projectId: string, key: string): MaybePromise<string | null>;
  set(projectId: string, key: string, value: string): MaybePromise<void>;
  has(projectId: string, key: string): MaybePromise<boolean>;
  delete(projectId: string, key: string): MaybePromise<void>;
  /** Several keys in one round trip; missing keys are `null`. */
  getMany(projectId: string, keys: readonly string[]): MaybePromise<Array<string | null>>;
  /**
   * Optional: the project's keys that start with `prefix` (any order). Lets per-item state (one key
   * per annotated task) be read back without an index key rewritten on every change.
   */
  keys?(projectId: string, prefix: string): MaybePromise<string[]>;
  close(): MaybePromise<void>;
  /**
   * Optional: a cheap value that changes whenever any state may have changed, in this process or
   * another. Model instances re-read their cached `model_version` only when it differs from the last
   * one they saw. A store without it is read on every request.
   */
  changeToken?(): MaybePromise<string | number>;
}

/** Python's cache raises `ValueError('Value must be a string')`; we keep the message. */
export function assertStringValue(value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError('Value must be a string');
  }
}
