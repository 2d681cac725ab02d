// What Label Studio does with a /predict response before it stores anything (PROTOCOL.md §5.4), as one
// check: the result count, each prediction's shape, model_version and score, and validatePrediction
// against the label config (newest LS rejects the whole batch for one invalid prediction).
import { codePointSlice, LabelInterface, validatePrediction } from '@lsml/core';
import { isTaskLike } from '@lsml/core/testing';

/** Options of {@link checkPredictions}. */
export interface CheckPredictionsOptions {
  /** The `model_version` `/setup` reported: every prediction that carries one must carry exactly this. */
  modelVersion?: string | null;
  /**
   * Interactive pre-annotation (§5.5): Label Studio needs at least one result and shows `results[0]`.
   * Default false (batch: one result per task, or none at all).
   */
  interactive?: boolean;
  /** Accept `[]` (LS logs "no predictions" and stores nothing). Default true for batch, false for interactive. */
  allowEmpty?: boolean;
  /** Also check that a span's `value.text` is the task text between `start` and `end` (default true). */
  checkSpans?: boolean;
}

/** What {@link checkPredictions} returns: `ok` when `errors` is empty. */
export interface CheckPredictionsResult {
  ok: boolean;
  /** One line per problem, naming `results[i]` (and the region and field). */
  errors: string[];
  /** Predictions checked (a task may have several). */
  predictions: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Check a `/predict` response's `results` as Label Studio would before storing them:
 *
 * - `results` is a list with one entry per task (or empty); an entry is a prediction or a list of them;
 * - every prediction has a `result` list; `score` is null/absent or a number in [0, 1];
 * - `model_version`, when present, equals the one `/setup` reported (else LS re-predicts forever, §5.3);
 * - every prediction passes `validatePrediction` against the label config;
 * - span regions (`start`/`end`/`text`) quote the task text exactly.
 *
 * `tasks` are the tasks sent (or just their `data` objects), in order.
 */
export function checkPredictions(
  labelConfig: string | LabelInterface,
  tasks: ReadonlyArray<Record<string, unknown>>,
  results: unknown,
  options: CheckPredictionsOptions = {},
): CheckPredictionsResult {
  const errors: string[] = [];
  const interactive = options.interactive ?? false;
  const allowEmpty = options.allowEmpty ?? !interactive;
  let li: LabelInterface;
  try {
    li = typeof labelConfig === 'string' ? new LabelInterface(labelConfig) : labelConfig;
  } catch (err) {
    return { ok: false, errors: [`label config does not parse: ${(err as Error).message}`], predictions: 0 };
  }
  if (!Array.isArray(results)) {
    return { ok: false, errors: [`results must be a list, got ${describe(results)} (Label Studio stores nothing)`], predictions: 0 };
  }
  if (results.length === 0) {
    if (!allowEmpty) errors.push(interactive ? 'results is empty: Label Studio shows the annotator an error for an interactive request without results' : 'results is empty');
    return { ok: errors.length === 0, errors, predictions: 0 };
  }
  if (interactive) {
    if (tasks.length !== 1) errors.push(`an interactive request carries one task, ${tasks.length} given`);
  } else if (results.length !== tasks.length) {
    errors.push(
      results.length === 1
        ? `1 result for ${tasks.length} tasks: Label Studio then re-sends every task on its own; return one result per task`
        : `${results.length} results for ${tasks.length} tasks: Label Studio logs a mismatch and stores nothing`,
    );
  }
  let count = 0;
  results.forEach((entry, i) => {
    const list = Array.isArray(entry) ? entry : [entry];
    const task = tasks[interactive ? 0 : i];
    list.forEach((prediction, j) => {
      count++;
      const where = Array.isArray(entry) ? `results[${i}][${j}]` : `results[${i}]`;
      if (!isObject(prediction)) {
        errors.push(`${where}: a prediction must be an object, got ${describe(prediction)}`);
        return;
      }
      if (!Array.isArray(prediction.result)) {
        errors.push(`${where}.result: must be a list of regions (Label Studio skips a prediction without one), got ${describe(prediction.result)}`);
        return;
      }
      const score = prediction.score;
      if (score !== undefined && score !== null && !(typeof score === 'number' && Number.isFinite(score) && score >= 0 && score <= 1)) {
        errors.push(`${where}.score: must be null or a number in [0, 1], got ${describe(score)}`);
      }
      if (options.modelVersion != null && 'model_version' in prediction && prediction.model_version !== options.modelVersion) {
        errors.push(
          `${where}.model_version: ${describe(prediction.model_version)} differs from /setup's ${describe(options.modelVersion)} (Label Studio would predict the same tasks again and again)`,
        );
      }
      const { errors: issues } = validatePrediction(li, prediction);
      for (const e of issues) errors.push(`${where}.${e.path || e.field}: ${e.message}`);
      if (options.checkSpans !== false && task) errors.push(...spanErrors(li, taskData(task), prediction.result, where));
    });
  });
  return { ok: errors.length === 0, errors, predictions: count };
}

function taskData(task: Record<string, unknown>): Record<string, unknown> {
  return isTaskLike(task) ? task.data : task;
}

/**
 * A region with `start`/`end` offsets and a `text` must quote the object's text exactly. Offsets are code
 * points, as Label Studio's editor counts them (like Python), not JS string (UTF-16) indices.
 */
function spanErrors(li: LabelInterface, data: Record<string, unknown>, regions: unknown[], where: string): string[] {
  const out: string[] = [];
  regions.forEach((region, k) => {
    if (!isObject(region) || !isObject(region.value) || typeof region.to_name !== 'string') return;
    const { start, end, text } = region.value;
    if (typeof start !== 'number' || typeof end !== 'number' || typeof text !== 'string') return;
    const object = li.findObject(region.to_name);
    if (!object || object.type.toLowerCase() !== 'text' || !object.valueName) return;
    const source = data[object.valueName];
    if (typeof source !== 'string') return;
    const quoted = codePointSlice(source, start, end);
    if (quoted !== text) {
      out.push(`${where}.result[${k}].value.text: ${describe(text)} but the task text at [${start}, ${end}) is ${describe(quoted)}`);
    }
  });
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
