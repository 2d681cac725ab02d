/**
 * Per-project key/value state, the same model as the Python SDK's cache (§6.2): string values,
 * scoped by project id. Methods may be sync or async so that a Redis store fits the same interface;
 * callers always `await` them.
 */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Where backends keep per-project key/value state (`get`/`set` on {@link LabelStudioMLBase}): SQLite by default,
 * memory for tests, Redis for several processes.
 */
export interface StateStore {
  /** A short name for logs and metrics (`sqlite`, `memory`, `redis`). */
  readonly kind: string;
  /** The value of `key` for `projectId`, or null. */
  get(projectId: string, key: string): MaybePromise<string | null>;
  /** Set `key` of `projectId` to `value` (a string). */
  set(projectId: string, key: string, value: string): MaybePromise<void>;
  /** Whether `key` is set for `projectId`. */
  has(projectId: string, key: string): MaybePromise<boolean>;
  /** Remove `key` of `projectId`. */
  delete(projectId: string, key: string): MaybePromise<void>;
  /** Several keys in one round trip; missing keys are `null`. */
  getMany(projectId: string, keys: readonly string[]): MaybePromise<Array<string | null>>;
  /** Release the store's resources (database handle, connection). */
  close(): MaybePromise<void>;
}

/** Python's cache raises `ValueError('Value must be a string')`; we keep the message. */
export function assertStringValue(value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError('Value must be a string');
  }
}
