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
import { jsonReply, rawJsonReply, type RouteHandler } from '../route-types.js';
import { yieldToEventLoop } from '../middleware/chunked-json.js';

/** Milliseconds of synchronous work (validation, serialisation) between two yields to the event loop. */
const SLICE_MS = 4;
/** Answers with more results than this are serialised in slices. */
const SLICED_REPLY_RESULTS = 1000;

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
      release = await admit(ctx.admission, () => abort.signal, metrics);
      const work = (async () => {
        // Held until predict() settles, even past a 504: the model may still be running then.
        const { model, release: releaseModel } = await getModel(ctx, projectId, body.label_config, 'label_config');
        try {
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
          const failures = await checkPredictions(model, results, config.strictValidation, logger);
          if (failures) metrics.validationWarnings.inc(failures);
          return { results, version };
        } finally {
          releaseModel();
        }
      })();
      // The model's own promise may still settle after a timeout; keep its rejection from going unhandled.
      work.catch(() => {});
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
 * strict mode: fail the request.
 */
async function checkPredictions(model: LabelStudioMLBase, results: unknown[], strict: boolean, logger: Logger): Promise<number> {
  const li = model.labelInterface;
  if (!li) return 0;
  let failures = 0;
  const problems: string[] = [];
  // 20,000 predictions take long enough to stall /health: check them a few ms at a time.
  let slice = performance.now();
  for (let i = 0; i < results.length; i++) {
    const entry = results[i];
    const list = Array.isArray(entry) ? entry : [entry];
    list.forEach((prediction, j) => {
      if (typeof prediction !== 'object' || prediction === null || !('result' in prediction)) return;
      const { ok, errors } = validatePrediction(li, prediction as Parameters<typeof validatePrediction>[1]);
      if (ok) return;
      failures++;
      const where = Array.isArray(entry) ? `results[${i}][${j}]` : `results[${i}]`;
      for (const e of errors) problems.push(`${where}.${e.path}: ${e.message}`);
    });
    if ((i & 15) === 15 && performance.now() - slice > SLICE_MS) {
      await yieldToEventLoop();
      slice = performance.now();
    }
  }
  if (problems.length === 0) return 0;
  if (strict) {
    throw new HttpError(500, `Prediction failed validation against the label config: ${problems.slice(0, 20).join('; ')}`);
  }
  logger.warn({ project: model.projectId, problems: problems.slice(0, 20), count: problems.length }, 'Prediction does not match the label config; Label Studio will reject this batch');
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
