import type { Logger } from 'pino';
import { validatePrediction } from '../../label-config/validate-prediction.js';
import type { LabelStudioMLBase, PredictOptions } from '../../model/label-studio-ml-base.js';
import { normalizePredictions } from '../../protocol/model-response.js';
import type { Task } from '../../protocol/types.js';
import { Deadlines } from '../deadlines.js';
import { HttpError } from '../http-errors.js';
import { admit } from '../middleware/admission.js';
import { parsePredictBody } from '../request-schemas.js';
import { getModel, projectIdOf, type RouteContext } from '../route-context.js';
import type { ModelLease } from '../model-registry.js';
import { jsonReply, rawJsonReply, type RouteHandler } from '../route-types.js';
import { SLICE_MS, yieldToEventLoop } from '../../event-loop.js';

/** Answers with more results than this are serialised in slices. */
const SLICED_REPLY_RESULTS = 1000;
/** Answers with more results than this are checked against the label config in slices. */
const SLICED_CHECK_RESULTS = 64;

/**
 * `POST /predict` (§4.4): admission (503 when full), the project's instance, the model's `predict`
 * under a timeout (504), normalisation and validation of what it returned.
 */
export function predictRoute(ctx: RouteContext): RouteHandler {
  const { config, logger, metrics } = ctx;
  const deadlines = new Deadlines(config.predictTimeoutMs);
  return async (req) => {
    const body = parsePredictBody(req.body);
    const tasks = body.tasks as Task[];
    // Python: str(None) → project "None"; keep it so existing caches line up (Q9).
    const projectId = body.project == null ? 'None' : projectIdOf(body.project);
    const { context = {}, ...params } = body.params ?? {};
    // A client that gives up (or a timeout) aborts the prediction's signal.
    const abort = new LazyAbortController();
    const offAbort = req.onAbort(() => abort.abort(new Error('client closed the connection')));
    let release: (() => void) | undefined;
    let cancelDeadline: (() => void) | undefined;
    try {
      // Fast paths first: a free slot and an existing instance need no promise.
      release = ctx.admission.tryAcquire() ?? (await admit(ctx.admission, () => abort.signal, metrics));
      // The lease is held until predict() settles, even past a 504: the model may still be running then.
      const leased = (lease: ModelLease) => {
        const running = runPrediction(lease.model, tasks, context, params, abort, config.strictValidation, logger, metrics);
        running.then(lease.release, lease.release);
        return running;
      };
      const ready = ctx.registry.tryAcquire(projectId, body.label_config);
      // Creating the instance (setup()) counts against the deadline too.
      const work = ready ? leased(ready) : getModel(ctx, projectId, body.label_config, 'label_config').then(leased);
      const { results, version } = await new Promise<Awaited<typeof work>>((resolve, reject) => {
        cancelDeadline = deadlines.add(() => {
          abort.abort(new Error('predict timeout'));
          reject(new HttpError(504, `Gateway Timeout: predict took longer than ${config.predictTimeoutMs} ms`));
        });
        work.then(resolve, reject);
      });
      metrics.countPredictions(version, results.length);
      return results.length > SLICED_REPLY_RESULTS ? rawJsonReply(200, await stringifyResultsYielding(results)) : jsonReply(200, { results });
    } catch (err) {
      if (err instanceof HttpError && err.status === 504) metrics.rejected.inc({ reason: 'timeout' });
      throw err;
    } finally {
      cancelDeadline?.();
      release?.();
      offAbort();
    }
  };
}

/** The model's part of a request: fresh version, predict, normalise, check against the label config. */
async function runPrediction(
  model: LabelStudioMLBase,
  tasks: Task[],
  context: unknown,
  params: Record<string, unknown>,
  abort: LazyAbortController,
  strict: boolean,
  logger: Logger,
  metrics: RouteContext['metrics'],
): Promise<{ results: unknown[]; version: string }> {
  await model.refresh();
  // The version this request predicts with: a new one may land while predict() runs.
  const version = model.modelVersion;
  const options: PredictOptions = {
    context: context as PredictOptions['context'],
    params,
    get signal() {
      return abort.signal;
    },
  };
  const raw = await model.predict(tasks, options);
  const results = normalizePredictions(raw, version);
  const failures = await checkPredictions(model, results, strict, logger);
  if (failures) metrics.validationWarnings.inc(failures);
  return { results, version };
}

/**
 * An AbortController made only when someone reads `signal`: creating one costs more than a trivial
 * prediction, and most models never look at it. An abort before that is remembered.
 */
class LazyAbortController {
  private controller: AbortController | undefined;
  private aborted = false;
  private reason: unknown;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/**
 * Check every prediction against the label config before it leaves (§5.4 step 5: one invalid
 * prediction makes Label Studio drop the whole batch). Default: log a warning naming region and field;
 * strict mode: fail the request. Returns the count of invalid predictions. Answers of over
 * SLICED_CHECK_RESULTS results are checked a slice at a time (20,000 take long enough to stall /health).
 */
async function checkPredictions(model: LabelStudioMLBase, results: unknown[], strict: boolean, logger: Logger): Promise<number> {
  const li = model.labelInterface;
  if (!li) return 0;
  const problems: string[] = [];
  let failures = 0;
  if (results.length <= SLICED_CHECK_RESULTS) {
    failures = checkRange(li, results, 0, results.length, problems);
  } else {
    let slice = performance.now();
    for (let i = 0; i < results.length; i += 16) {
      failures += checkRange(li, results, i, Math.min(results.length, i + 16), problems);
      if (performance.now() - slice > SLICE_MS) {
        await yieldToEventLoop();
        slice = performance.now();
      }
    }
  }
  if (problems.length === 0) return failures;
  if (strict) {
    throw new HttpError(500, `Prediction failed validation against the label config: ${problems.slice(0, 20).join('; ')}`);
  }
  logger.warn({ project: model.projectId, problems: problems.slice(0, 20), count: problems.length }, 'Prediction does not match the label config; Label Studio will reject this batch');
  return failures;
}

/** Validate `results[from..to)`, appending a line per problem; returns the count of invalid predictions. */
function checkRange(li: NonNullable<LabelStudioMLBase['labelInterface']>, results: unknown[], from: number, to: number, problems: string[]): number {
  let failures = 0;
  for (let i = from; i < to; i++) {
    const entry = results[i];
    const list = Array.isArray(entry) ? entry : [entry];
    for (let j = 0; j < list.length; j++) {
      const prediction: unknown = list[j];
      if (typeof prediction !== 'object' || prediction === null || !('result' in prediction)) continue;
      const { ok, errors } = validatePrediction(li, prediction as Parameters<typeof validatePrediction>[1]);
      if (ok) continue;
      failures++;
      const where = Array.isArray(entry) ? `results[${i}][${j}]` : `results[${i}]`;
      for (const e of errors) problems.push(`${where}.${e.path}: ${e.message}`);
    }
  }
  return failures;
}

/**
 * `JSON.stringify({ results })`, a slice of results at a time with yields in between: one call on
 * 20,000 predictions blocks the event loop for tens of ms. Same text as the one-call form.
 */
async function stringifyResultsYielding(results: readonly unknown[]): Promise<string> {
  const parts: string[] = [];
  const step = 500;
  let slice = performance.now();
  for (let start = 0; start < results.length; start += step) {
    const text = JSON.stringify(results.slice(start, start + step));
    // '[a,b]' → 'a,b'
    if (text.length > 2) parts.push(text.slice(1, -1));
    if (performance.now() - slice > SLICE_MS) {
      await yieldToEventLoop();
      slice = performance.now();
    }
  }
  return `{"results":[${parts.join(',')}]}`;
}
