import { z } from 'zod';
import { bulkStatus, cancelBulk, planAndSubmitBulk } from '../../bulk/bulk-predict.js';
import { LabelStudioClient } from '../../label-studio/label-studio-client.js';
import { HttpError } from '../http-errors.js';
import { parseBody } from '../request-schemas.js';
import { getModel, type RouteContext } from '../route-context.js';
import { jsonReply, type RouteHandler } from '../route-types.js';

const jobsPredictSchema = z.looseObject({
  project: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]),
  view: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).optional(),
  only_missing: z.boolean().optional(),
  batch: z.number().int().min(1).max(10_000).optional(),
  chunk_size: z.number().int().min(1).max(10_000).optional(),
  label_config: z.string().min(1).optional(),
});

const cancelSchema = z.looseObject({ job: z.string().min(1) });

/**
 * `POST /jobs/predict`: pre-annotate a Label Studio project. Plans the job (pages of task ids from the
 * Label Studio API, LABEL_STUDIO_URL + LABEL_STUDIO_API_KEY) and puts one queue job per chunk on the
 * training queue; answers 201 `{job, total, chunks}` at once. `/job_status` reports it.
 */
export function jobsPredictRoute(ctx: RouteContext, env: NodeJS.ProcessEnv = process.env): RouteHandler {
  let client: LabelStudioClient | undefined;
  return async (req) => {
    const body = parseBody(jobsPredictSchema, req.body);
    client ??= new LabelStudioClient({ env });
    const project = Number(body.project);
    // Chunks go on the queue as their pages are read (workers start meanwhile); answered once all are.
    const plan = await planAndSubmitBulk(
      ctx.trainingQueue,
      client,
      { project, view: body.view === undefined ? undefined : Number(body.view), onlyMissing: body.only_missing, batch: body.batch, chunkSize: body.chunk_size, labelConfig: body.label_config },
      body.only_missing ? await currentVersion(ctx, String(project), body.label_config) : undefined,
    );
    ctx.logger.info({ job: plan.id, project, total: plan.total, chunks: plan.chunks.length }, 'Bulk prediction job queued');
    return jsonReply(201, { job: plan.id, job_status: 'queued', project, total: plan.total, chunks: plan.chunks.length });
  };
}

/** The model version `/predict` would use now for the project (for `only_missing`). */
async function currentVersion(ctx: RouteContext, projectId: string, labelConfig: string | undefined): Promise<string> {
  const lease = await getModel(ctx, projectId, labelConfig, 'label_config');
  try {
    await lease.model.refresh();
    return lease.model.modelVersion;
  } finally {
    lease.release();
  }
}

/** `POST /jobs/cancel {job}`: cancel a bulk job's unfinished chunks (a running one stops between batches). */
export function jobsCancelRoute(ctx: RouteContext): RouteHandler {
  return async (req) => {
    const { job } = parseBody(cancelSchema, req.body);
    const status = await bulkStatus(ctx.trainingQueue, job);
    if (!status) throw new HttpError(404, `Not Found: no bulk job ${job}`);
    return jsonReply(200, { job, canceled: await cancelBulk(ctx.trainingQueue, job) });
  };
}
