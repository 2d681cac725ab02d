import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { LabelConfigError } from '../label-config/parse-config.js';
import type { LabelStudioMLBase } from '../model/label-studio-ml-base.js';
import type { StateStore } from '../state/state-store.js';
import type { TrainingQueue } from '../training/training-job.js';
import type { Admission } from './admission.js';
import { describeError, HttpError } from './http-errors.js';
import type { ServerMetrics } from './metrics.js';
import type { ModelLease, ModelRegistry } from './model-registry.js';

/** What the route handlers share: settings, state, the model registry, the queue and live status. */
export interface RouteContext {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly store: StateStore;
  readonly registry: ModelRegistry;
  readonly trainingQueue: TrainingQueue;
  readonly admission: Admission;
  readonly metrics: ServerMetrics;
  readonly modelClassName: string;
  /** Webhook actions passed to `fit`. */
  readonly fitEvents: ReadonlySet<string>;
  /** The model class opted in to `TASKS_CREATED` → bulk prediction of the new tasks. */
  readonly predictOnTasksCreated?: boolean;
  /** Readiness as `/ready` reports it. */
  readonly status: { ready: boolean; readyError?: string; closing: boolean };
}

/**
 * The instance for (project, label config). A config that does not parse is bad input: 422 (Python
 * answers 500; LS treats every non-2xx alike, Q4). The detail keeps Python's exception name, which LS
 * shows as the backend's error message. Errors from the model's own setup() stay 500.
 * The caller holds a lease: it must call `release()` once the model's work has settled.
 */
export async function getModel(ctx: RouteContext, projectId: string, labelConfig: string | null | undefined, field: string): Promise<ModelLease> {
  try {
    return await ctx.registry.acquire(projectId, labelConfig);
  } catch (err) {
    if (LabelConfigError.isLabelConfigError(err)) {
      ctx.logger.warn({ err: describeError(err), project: projectId }, 'Invalid label config');
      throw new HttpError(422, describeError(err), [{ field, message: err.message }]);
    }
    throw err;
  }
}

/** `"7.1712586036"` → `"7"`; numbers are accepted too, unlike Python (Q9). */
export function projectIdOf(project: string | number): string {
  const s = String(project);
  const dot = s.indexOf('.');
  return dot < 0 ? s : s.slice(0, dot);
}
