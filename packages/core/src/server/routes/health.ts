import type { HealthResponse } from '../../protocol/types.js';
import { errorBody } from '../http-errors.js';
import type { RouteContext } from '../route-context.js';
import { jsonReply, rawJsonReply, type RouteHandler } from '../route-types.js';

/** `GET /` and `GET /health`: liveness, `{model_class, status: "UP"}` (§4.1). */
export function healthRoute(ctx: RouteContext): RouteHandler {
  const body: HealthResponse = { model_class: ctx.modelClassName, status: 'UP' };
  // The answer never changes: serialise it once.
  const reply = rawJsonReply(200, JSON.stringify(body));
  return () => reply;
}

/** `GET /ready`: readiness (not liveness), 503 while the model preloads or the server drains. */
export function readyRoute(ctx: RouteContext): RouteHandler {
  return (req) => {
    const { ready, readyError, closing } = ctx.status;
    if (ready && !closing) return jsonReply(200, { status: 'READY', model_class: ctx.modelClassName });
    const detail = closing ? 'Service Unavailable: shutting down' : readyError ? `Service Unavailable: preload failed: ${readyError}` : 'Service Unavailable: loading the model';
    return jsonReply(503, errorBody(503, detail, req.query));
  };
}
