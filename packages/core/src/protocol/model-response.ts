import type { PredictionValue, ResultItem } from './types.js';

const BRAND = Symbol.for('lsml.ModelResponse');

/** What a {@link ModelResponse} is built from. */
export interface ModelResponseInit {
  /** The version for every prediction that does not name its own. */
  model_version?: string | null;
  predictions: Array<PredictionValue | PredictionValue[]>;
}

/** Serialised form of one prediction: exactly Python's `PredictionValue.model_dump()` keys. */
export interface SerializedPrediction {
  model_version: string | null;
  score: number | null;
  result: ResultItem[];
}

/**
 * Python's `ModelResponse` (§6.4): a list of predictions (or lists of predictions, several per task)
 * and an optional version that fills every prediction left without one.
 */
export class ModelResponse {
  model_version: string | null;
  predictions: Array<SerializedPrediction | SerializedPrediction[]>;

  constructor(init: ModelResponseInit) {
    if (!init || !Array.isArray(init.predictions)) {
      throw new TypeError('ModelResponse: predictions must be an array');
    }
    this.model_version = init.model_version ?? null;
    this.predictions = init.predictions.map((p, i) => (Array.isArray(p) ? p.map((q, j) => serializePrediction(q, i, j)) : serializePrediction(p, i)));
  }

  /**
   * A response from predictions already in wire form ({@link serializePrediction}): no second pass
   * over them (a 20,000-task answer is built while yielding, by `backend()`).
   * @internal
   */
  static fromSerialized(modelVersion: string | null, predictions: Array<SerializedPrediction | SerializedPrediction[]>): ModelResponse {
    const response = new ModelResponse({ model_version: modelVersion, predictions: [] });
    response.predictions = predictions;
    return response;
  }

  /** True for a {@link ModelResponse} (checked by a brand, so one from another copy of @lsml/core counts too). */
  static isModelResponse(value: unknown): value is ModelResponse {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Whether the response has its own `model_version` (an empty string counts as none). */
  hasModelVersion(): boolean {
    return Boolean(this.model_version);
  }

  /** Fill the version of predictions that have none (empty string counts as none, like Python). */
  updatePredictionsVersion(): void {
    if (!this.model_version) return;
    for (const p of this.predictions) {
      for (const q of Array.isArray(p) ? p : [p]) {
        if (!q.model_version) q.model_version = this.model_version;
      }
    }
  }

  /** Set the response's `model_version` and give it to every prediction that has none. */
  setVersion(version: string): void {
    this.model_version = version;
    this.updatePredictionsVersion();
  }

  /** The wire form: `{ model_version, predictions }`. */
  toJSON(): { model_version: string | null; predictions: Array<SerializedPrediction | SerializedPrediction[]> } {
    return { model_version: this.model_version, predictions: this.predictions };
  }
}

// The brand sits on the prototype (not defined per instance): one shape for every response.
Object.defineProperty(ModelResponse.prototype, BRAND, { value: true });

/**
 * One prediction in wire form (Python's `PredictionValue.model_dump()`): version as a string or null,
 * score defaulting to 0, relation lists flattened into `result`. Throws a TypeError naming
 * `predictions[i][j]` for something that is not a prediction.
 * @internal
 */
export function serializePrediction(value: PredictionValue, i: number, j?: number): SerializedPrediction {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`ModelResponse: ${where(i, j)} must be an object with a result list`);
  }
  const result = value.result;
  if (!Array.isArray(result)) {
    // Python's pydantic model fails here too (result is required); the server turns this into a 500.
    throw new TypeError(`ModelResponse: ${where(i, j)}.result is required and must be a list`);
  }
  const version = value.model_version;
  return {
    model_version: version === undefined || version === null ? null : String(version),
    score: value.score === undefined ? 0 : value.score,
    // The Python SDK appends relation lists as nested lists; LS wants them flat. A copy either way:
    // the caller keeps its own array.
    result: (result.some(Array.isArray) ? result.flat() : result.slice()) as ResultItem[],
  };
}

const where = (i: number, j?: number): string => (j === undefined ? `predictions[${i}]` : `predictions[${i}][${j}]`);

/**
 * Turn whatever `predict` returned into the `results` list (§4.4 step 6):
 * - ModelResponse: the version fills empty prediction versions; only the predictions are sent (Q12);
 * - null/undefined: `[]`;
 * - an object with `predictions`: that list, unchanged;
 * - an object without `predictions`: taken as one prediction (Python sends the object itself, which
 *   LS rejects — quirk Q14);
 * - an array: passed through unchanged, no version injection (Q13, like Python).
 */
export function normalizePredictions(value: unknown, modelVersion: string): unknown[] {
  if (value === null || value === undefined) return [];
  if (ModelResponse.isModelResponse(value)) {
    if (!value.hasModelVersion()) value.model_version = modelVersion;
    value.updatePredictionsVersion();
    return value.predictions;
  }
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') {
    const predictions = (value as { predictions?: unknown }).predictions;
    if (predictions !== undefined) {
      if (!Array.isArray(predictions)) throw new TypeError('predict() returned an object whose predictions is not a list');
      return predictions;
    }
    return [value];
  }
  throw new TypeError(`predict() returned a ${typeof value}; expected a ModelResponse, a list of predictions or null`);
}
