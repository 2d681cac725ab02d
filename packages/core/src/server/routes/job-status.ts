import { bulkStatus } from '../../bulk/bulk-predict.js';
import { jobStatusBody } from '../../training/training-job.js';
import { HttpError } from '../http-errors.js';
import { jobStatusSchema, parseBody } from '../request-schemas.js';
import type { RouteContext } from '../route-context.js';
import { jsonReply, type RouteHandler } from '../route-types.js';

/** `POST /job_status`: the state of a training job the webhook scheduled, or of a bulk prediction job. */
export function jobStatusRoute(ctx: RouteContext): RouteHandler {
  return async (req) => {
    const { job } = parseBody(jobStatusSchema, req.body);
    // A bulk prediction job is the sum of its chunk jobs.
    if (String(job).startsWith('bulk-')) {
      const bulk = await bulkStatus(ctx.trainingQueue, String(job));
      if (!bulk) throw new HttpError(404, `Not Found: no bulk job ${String(job)}`);
      return jsonReply(200, bulk as unknown as Record<string, unknown>);
    }
    const found = await ctx.trainingQueue.getJob(String(job));
    if (!found) throw new HttpError(404, `Not Found: no training job ${String(job)}`);
    return jsonReply(200, jobStatusBody(found));
  };
}
