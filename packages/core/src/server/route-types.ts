import type { IncomingHttpHeaders } from 'node:http';

/**
 * lsml's own minimal request shape: what a route handler may read. The node:http server and the
 * Express adapter both build one, so the handlers know neither framework.
 */
export interface RouteRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path relative to the base path (`/predict`), without the query string. */
  readonly path: string;
  /** Raw query string without `?` (`''` when there is none). */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body (POST routes only; the body middleware checked it is an object). */
  readonly body: unknown;
  /**
   * Call `listener` if the client goes away before the answer is written; returns the unsubscribe.
   * (A callback, not an AbortSignal: making a signal per request cost more than a trivial prediction.)
   */
  onAbort(listener: () => void): () => void;
}

/** What a handler answers: status, optional headers and a ready-to-send body. */
export interface Reply {
  status: number;
  /** `Content-Type` of `body`; omitted with an empty body. */
  type?: string;
  body?: string;
  headers?: Record<string, string>;
}

/** A framework-neutral route handler. */
export type RouteHandler = (req: RouteRequest) => Reply | Promise<Reply>;

/** One fixed route: its path, the method it serves, and the `Allow` header Flask sends for it (§2). */
export interface RouteDefinition {
  readonly path: string;
  /** `GET` routes also answer `HEAD`. */
  readonly method: 'GET' | 'POST';
  readonly allow: string;
  readonly handler: RouteHandler;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer (Express's `res.json` content type, so clients see no difference). */
export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, type: JSON_TYPE, body: JSON.stringify(value), headers };
}

/** A JSON answer from text that is already serialised. */
export function rawJsonReply(status: number, text: string): Reply {
  return { status, type: JSON_TYPE, body: text };
}
