import { LsmlError } from '../errors.js';
import type { ErrorResponse } from '../protocol/types.js';

/** An error that maps to a 4xx/5xx JSON answer `{status, detail, ...}` (code `http_error`, status as given). */
export class HttpError extends LsmlError {
  constructor(
    status: number,
    message: string,
    readonly errors?: Array<{ field: string; message: string }>,
    readonly headers?: Record<string, string>,
  ) {
    super('http_error', message, { status });
    this.name = 'HttpError';
  }
}

/** First value per query key, as Flask's `request.args.to_dict()` gives in Python's envelope. */
export function queryArgs(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!query) return out;
  for (const [k, v] of new URLSearchParams(query)) {
    if (!(k in out)) out[k] = v;
  }
  return out;
}

/** The JSON error envelope of §4 (`{status, detail, request}` plus extras). */
export function errorBody(status: number, detail: string, query: string, extra: Partial<ErrorResponse> = {}): ErrorResponse {
  return { status, detail, request: queryArgs(query), ...extra };
}

/** `Name: message` — how Python's envelope prints an exception (`ValueError: model exploded`). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `Error: ${String(err)}`;
}

/** Python's webhook maps FileNotFoundError to 404; Node's equivalent is ENOENT. */
export function isFileNotFound(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (err as NodeJS.ErrnoException).code === 'ENOENT' || err.name === 'FileNotFoundError';
}
