import { LsmlError } from '../errors.js';

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

/** Extra facts of a MediaError: the upstream HTTP status, the URL, the cause. */
export interface MediaErrorDetails {
  status?: number;
  url?: string;
  cause?: unknown;
}

/**
 * The HTTP status a MediaError answers with when it escapes a request and no upstream status is
 * known: a reference the task should not contain is the request's fault (422), a server set up
 * without what it needs is the server's (500), Label Studio or a media host failing is a bad
 * gateway (502), a body over the limit is 413, a timeout 504.
 */
const STATUS_BY_CODE: Record<MediaErrorCode, number> = {
  INVALID_HOSTNAME: 500,
  HOSTNAME_REQUIRED: 500,
  TASK_ID_REQUIRED: 422,
  TOKEN_REQUIRED: 500,
  PATH_ESCAPE: 422,
  UNSUPPORTED_SCHEME: 422,
  NOT_FOUND: 422,
  INVALID_URL: 422,
  HTTP_ERROR: 502,
  TOO_LARGE: 413,
  TIMEOUT: 504,
  NETWORK_ERROR: 502,
  TOKEN_REFRESH_FAILED: 502,
  INVALID_ENV: 500,
};

/**
 * Everything the media helpers throw. `code` is one of the stable `MediaErrorCode`s; `status` is the
 * upstream HTTP status for `HTTP_ERROR` and `TOKEN_REFRESH_FAILED` (as before), else the status the
 * server answers for this code.
 */
export class MediaError extends LsmlError {
  override readonly name = 'MediaError';
  declare readonly code: MediaErrorCode;
  /** The upstream HTTP status (`HTTP_ERROR`, `TOKEN_REFRESH_FAILED`), when there is one. */
  readonly upstreamStatus: number | undefined;
  /** The URL being fetched, when there is one. */
  readonly url: string | undefined;

  constructor(code: MediaErrorCode, message: string, details: MediaErrorDetails = {}) {
    super(code, message, { status: details.status ?? STATUS_BY_CODE[code], cause: details.cause });
    this.upstreamStatus = details.status;
    this.url = details.url;
  }
}

/** True for a MediaError (from any copy of `@lsml/core`), with `code` when given. */
export function isMediaError(err: unknown, code?: MediaErrorCode): err is MediaError {
  return LsmlError.is(err) && err.name === 'MediaError' && (code === undefined || err.code === code);
}
