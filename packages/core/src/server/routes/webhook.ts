import { planForTaskIds, submitBulkPlan } from '../../bulk/bulk-predict.js';
import type { WebhookData } from '../../protocol/types.js';
import { parseBody, webhookProjectSchema, webhookSchema } from '../request-schemas.js';
import { getModel, projectIdOf, type RouteContext } from '../route-context.js';
import { jsonReply, rawJsonReply, type RouteHandler } from '../route-types.js';

/**
 * `POST /webhook`: training events go to the model's `fit` (§4.5); `TASKS_CREATED` queues a bulk
 * prediction of the new tasks when the model class opts in; other actions are acknowledged.
 */
export function webhookRoute(ctx: RouteContext): RouteHandler {
  return async (req) => {
    const { action, ...data } = parseBody(webhookSchema, req.body);
    if (action === 'TASKS_CREATED' && ctx.predictOnTasksCreated) {
      // Opt-in pre-annotation of imported tasks: queue chunk jobs and answer at once (LS waits 1 s).
      const { project } = parseBody(webhookProjectSchema, data);
      const tasks = (Array.isArray(data.tasks) ? data.tasks : []) as Array<{ id?: unknown }>;
      const ids = tasks.map((t) => Number(t.id)).filter((n) => Number.isInteger(n) && n > 0);
      if (ids.length === 0) return jsonReply(200, { status: 'ok', result: null });
      const plan = planForTaskIds(Number(projectIdOf(project.id)), ids, project.label_config ?? null);
      await submitBulkPlan(ctx.trainingQueue, plan);
      return jsonReply(201, { status: 'ok', job: plan.id, result: { job: plan.id, total: plan.total } });
    }
    if (!ctx.fitEvents.has(action)) return jsonReply(200, { status: 'Unknown event' });
    const { project } = parseBody(webhookProjectSchema, data);
    const { model, release } = await getModel(ctx, String(project.id), project.label_config, 'project.label_config');
    let result: unknown;
    try {
      await model.refresh();
      result = await model.fit(action, data as WebhookData);
    } finally {
      release();
    }
    // A scheduled training job is also reported top-level: LS records `job` and may poll /job_status.
    const job = typeof result === 'object' && result !== null && typeof (result as { job?: unknown }).job === 'string' ? (result as { job: string }).job : undefined;
    try {
      return rawJsonReply(201, JSON.stringify({ result: result === undefined ? null : result, status: 'ok', ...(job ? { job } : {}) }));
    } catch (err) {
      return jsonReply(201, { error: err instanceof Error ? err.message : String(err), status: 'error' });
    }
  };
}
