import type { RouteContext } from '../route-context.js';
import { runtimeMetrics } from '../runtime-metrics.js';
import { rawJsonReply, type RouteHandler } from '../route-types.js';

/**
 * `GET /metrics`: Python answers `{}` (§4.2) and so do we by default; Prometheus asks for text in its
 * Accept header (text/plain or OpenMetrics) and gets the exposition format, as does `?format=prometheus`.
 */
export function metricsRoute(ctx: RouteContext): RouteHandler {
  return async (req) => {
    const accept = req.headers.accept ?? '';
    if (new URLSearchParams(req.query).get('format') === 'prometheus' || /openmetrics-text|text\/plain/.test(accept)) {
      // The server's own metrics, then those runtimes recorded (LLM tokens, …) through `runtimeMetrics`.
      const runtime = await runtimeMetrics.registry.metrics();
      const body = (await ctx.metrics.registry.metrics()) + (runtime.trim() ? `\n${runtime}` : '');
      return { status: 200, type: ctx.metrics.registry.contentType, body };
    }
    return rawJsonReply(200, '{}');
  };
}
