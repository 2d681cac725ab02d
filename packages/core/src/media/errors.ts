/**
 * One error class for everything the media helpers throw, with a machine-readable `code`.
 * Where Python raises with a fixed message (§6.7), the message is kept word for word so that
 * logs and docs written for the Python SDK still match.
 */
export type MediaErrorCode =
  /** Hostname without `http://` or `https://` (Python: `ValueError`). */
  | 'INVALID_HOSTNAME'
  /** An LS-hosted URL but no hostname (Python: `FileNotFoundError`). */
  | 'HOSTNAME_REQUIRED'
  /** A cloud URI (`s3:`, `gs:`, `azure-blob:`) without a task id (Python: `Exception`). */
  | 'TASK_ID_REQUIRED'
  /** An LS-hosted URL but no API key / token (Python: `FileNotFoundError`). */
  | 'TOKEN_REQUIRED'
  /** A local-files `?d=` path that escapes the document root (Python: `ValueError("Invalid path: ...")`). */
  | 'PATH_ESCAPE'
  /** Only `http:` and `https:` are ever fetched. */
  | 'UNSUPPORTED_SCHEME'
  /** Not a URL and not an existing local file. */
  | 'NOT_FOUND'
  /** Unparseable URL, or a redirect without a usable `Location`. */
  | 'INVALID_URL'
  /** Non-2xx answer (Python: `requests.HTTPError`). `status` is set. */
  | 'HTTP_ERROR'
  /** Body larger than `maxBytes`. */
  | 'TOO_LARGE'
  /** The download or token refresh ran past its timeout. */
  | 'TIMEOUT'
  /** Connection, DNS or TLS failure. */
  | 'NETWORK_ERROR'
  /** `POST /api/token/refresh/` failed or answered without `access`. */
  | 'TOKEN_REFRESH_FAILED'
  /** An environment variable has a value we cannot use (e.g. `VERIFY_SSL=maybe`). */
  | 'INVALID_ENV';

/** Extra facts of a {@link MediaError}. */
export interface MediaErrorDetails {
  status?: number;
  url?: string;
  cause?: unknown;
}

/** A task's media could not be resolved or fetched; `code` says why. */
export class MediaError extends Error {
  override readonly name = 'MediaError';
  readonly code: MediaErrorCode;
  /** HTTP status for `HTTP_ERROR` and `TOKEN_REFRESH_FAILED`. */
  readonly status: number | undefined;
  /** The URL being fetched, when there is one. */
  readonly url: string | undefined;

  constructor(code: MediaErrorCode, message: string, details: MediaErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.url = details.url;
  }
}

/** True for a {@link MediaError} (with `code`, when given). */
export function isMediaError(err: unknown, code?: MediaErrorCode): err is MediaError {
  return err instanceof MediaError && (code === undefined || err.code === code);
}
