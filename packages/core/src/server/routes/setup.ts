import { parseBody, setupSchema } from '../request-schemas.js';
import { getModel, projectIdOf, type RouteContext } from '../route-context.js';
import { jsonReply, type RouteHandler } from '../route-types.js';

/** Python truthiness for JSON values: null, "", 0, false, {} and [] are falsy. */
function isTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** `POST /setup`: create (or reuse) the project's instance and answer its model version (§4.3). */
export function setupRoute(ctx: RouteContext): RouteHandler {
  return async (req) => {
    const body = parseBody(setupSchema, req.body);
    const { model, release } = await getModel(ctx, projectIdOf(body.project), body.schema, 'schema');
    try {
      const extra = body.extra_params;
      // Python stores extra_params only when truthy; it accepts strings only (Q8): objects are stringified.
      if (isTruthy(extra)) {
        await model.set('extra_params', typeof extra === 'string' ? extra : JSON.stringify(extra));
      }
      return jsonReply(200, { model_version: await model.getModelVersion() });
    } finally {
      release();
    }
  };
}
