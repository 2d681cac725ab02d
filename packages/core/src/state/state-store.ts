/** A value or a promise of it: a store's methods may answer synchronously (SQLite) or not (Redis). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Per-project key/value state, the same model as the Python SDK's cache (§6.2): string values,
 * scoped by project id. Methods may be sync or async so that a Redis store fits the same interface;
 * callers always `await` them.
 */
export interface StateStore {
  /** A short name for logs and metrics (`sqlite`, `memory`, `redis`). */
  readonly kind: string;
  /** The project's value under `key`, or `null` when unset. */
  get(projectId: string, key: string): MaybePromise<string | null>;
  /** Store a string value (non-strings are refused, as in Python's cache). */
  set(projectId: string, key: string, value: string): MaybePromise<void>;
  /** Whether the project has a value under `key`. */
  has(projectId: string, key: string): MaybePromise<boolean>;
  /** Remove the project's value under `key` (no error when unset). */
  delete(projectId: string, key: string): MaybePromise<void>;
  /** Several keys in one round trip; missing keys are `null`. */
  getMany(projectId: string, keys: readonly string[]): MaybePromise<Array<string | null>>;
  /**
   * Optional: the project's keys that start with `prefix` (any order). Lets per-item state (one key
   * per annotated task) be read back without an index key rewritten on every change.
   */
  keys?(projectId: string, prefix: string): MaybePromise<string[]>;
  /** Release the store's connection or file handle. */
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
