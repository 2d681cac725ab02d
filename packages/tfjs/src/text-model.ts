// The text classifier's model: hashed n-gram rows → multinomial logistic regression, with a softmax
// temperature fitted on held-out examples so that scores are calibrated probabilities. Pure
// TypeScript (no TF.js), so that it runs unchanged in worker threads; text-model-files.ts stores it in
// the TF.js Layers format.
import { fitLogisticRegression, predictProbabilities } from './logistic-regression.js';
import { HashedNgramVectorizer, type SparseRows, type TextVectorizerConfig } from './text-vectorizer.js';

/** A trained text classifier, as plain arrays (what crosses to worker threads and into files). */
export interface TextModel {
  /** Class names, in output order. */
  readonly labels: readonly string[];
  /** The features the weights were fitted on (saved as `vectorizer.json`). */
  readonly vectorizer: TextVectorizerConfig;
  /** `dims × labels.length`, row-major (TF.js Dense kernel layout). */
  readonly weights: Float32Array;
  /** One bias per class. */
  readonly bias: Float32Array;
  /** Scores are softmax(logits / temperature); 1 = uncalibrated. */
  readonly temperature: number;
}

/** How `trainTextModel` fits. */
export interface TextTrainConfig {
  readonly c: number;
  readonly maxIterations: number;
  readonly calibrate: boolean;
  readonly validationSplit: number;
  readonly seed: number;
}

/** What training reports (stored by core as `train_output`). */
export interface TextTrainMetrics {
  /** Examples trained on (all of them: the held-out part is folded back in after calibration). */
  readonly trainExamples: number;
  /** Examples held out to fit the temperature and measure `valAccuracy` (0 when too few). */
  readonly valExamples: number;
  /** Accuracy on the held-out examples of the model fitted without them; null without a split. */
  readonly valAccuracy: number | null;
  /** The fitted softmax temperature (1 = none fitted). */
  readonly temperature: number;
  /** L-BFGS iterations, both fits together. */
  readonly iterations: number;
  /** Mean cross-entropy on the training examples at the end. */
  readonly loss: number;
  /** Whether the last fit reached the gradient tolerance within `maxIterations`. */
  readonly converged: boolean;
  /** Whether the fit started from the previous model's weights. */
  readonly warmStart: boolean;
  /** Vectorising + fitting + calibrating, in the thread that ran it. */
  readonly durationMs: number;
}

/** Held-out examples needed before a temperature is fitted (fewer make it noise). */
export const MIN_CALIBRATION_EXAMPLES = 20;

const vectorizers = new Map<string, HashedNgramVectorizer>();

/** One vectoriser per configuration (they are immutable and cheap, but built per call otherwise). */
export function vectorizerFor(config: TextVectorizerConfig): HashedNgramVectorizer {
  const key = JSON.stringify(config);
  let v = vectorizers.get(key);
  if (!v) {
    v = new HashedNgramVectorizer(config);
    vectorizers.set(key, v);
  }
  return v;
}

/** Calibrated class probabilities of `texts` (`texts.length × labels.length`, row-major). */
export function classifyTexts(model: TextModel, texts: readonly string[]): Float32Array {
  const rows = vectorizerFor(model.vectorizer).transformSparse(texts);
  return predictProbabilities(rows, model.weights, model.bias, model.labels.length, model.temperature);
}

/**
 * Fit a model on `texts` with class indices `targets` (into `labels`). With enough examples, a
 * seeded `validationSplit` is held out first: the model fitted without it gives `valAccuracy` and the
 * temperature, then the fit continues on every example from there (warm start), so no annotation is
 * wasted. `previous` (same labels and vectoriser) is the starting point when given.
 */
export function trainTextModel(
  texts: readonly string[],
  targets: Int32Array,
  labels: readonly string[],
  vectorizer: TextVectorizerConfig,
  config: TextTrainConfig,
  previous?: TextModel | null,
  signal?: AbortSignal,
): { model: TextModel; metrics: TextTrainMetrics } {
  const started = performance.now();
  const k = labels.length;
  const rows = vectorizerFor(vectorizer).transformSparse(texts);
  const warm = previous && sameShape(previous, labels, vectorizer) ? previous : null;
  const n = texts.length;
  const nVal = config.calibrate ? Math.floor(n * config.validationSplit) : 0;
  let temperature = 1;
  let valAccuracy: number | null = null;
  let start = warm ? { weights: warm.weights, bias: warm.bias } : null;
  let iterations = 0;
  if (nVal >= MIN_CALIBRATION_EXAMPLES && n - nVal >= 2) {
    const order = seededPermutation(n, config.seed);
    const trainIdx = order.subarray(0, n - nVal);
    const valIdx = order.subarray(n - nVal);
    const part = fitLogisticRegression(selectRows(rows, trainIdx), Int32Array.from(trainIdx, (i) => targets[i]!), k, {
      c: config.c,
      maxIterations: config.maxIterations,
      initialWeights: start?.weights,
      initialBias: start?.bias,
      signal,
    });
    iterations += part.iterations;
    const valRows = selectRows(rows, valIdx);
    const valTargets = Int32Array.from(valIdx, (i) => targets[i]!);
    const probs = predictProbabilities(valRows, part.weights, part.bias, k);
    let correct = 0;
    for (let i = 0; i < valIdx.length; i++) if (argmaxRow(probs, i, k) === valTargets[i]) correct++;
    valAccuracy = correct / valIdx.length;
    temperature = fitTemperature(probs, valTargets, k);
    start = { weights: part.weights, bias: part.bias };
  }
  const fit = fitLogisticRegression(rows, targets, k, {
    c: config.c,
    maxIterations: config.maxIterations,
    initialWeights: start?.weights,
    initialBias: start?.bias,
    signal,
  });
  iterations += fit.iterations;
  return {
    model: { labels: [...labels], vectorizer, weights: fit.weights, bias: fit.bias, temperature },
    metrics: {
      trainExamples: n,
      valExamples: nVal >= MIN_CALIBRATION_EXAMPLES ? nVal : 0,
      valAccuracy,
      temperature,
      iterations,
      loss: fit.loss,
      converged: fit.converged,
      warmStart: warm !== null,
      durationMs: Math.round(performance.now() - started),
    },
  };
}

function sameShape(model: TextModel, labels: readonly string[], vectorizer: TextVectorizerConfig): boolean {
  return model.labels.length === labels.length && model.labels.every((l, i) => l === labels[i]) && JSON.stringify(model.vectorizer) === JSON.stringify(vectorizer);
}

function selectRows(x: SparseRows, which: Int32Array): SparseRows {
  const indptr = new Int32Array(which.length + 1);
  let nnz = 0;
  which.forEach((r, i) => {
    nnz += x.indptr[r + 1]! - x.indptr[r]!;
    indptr[i + 1] = nnz;
  });
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  which.forEach((r, i) => {
    indices.set(x.indices.subarray(x.indptr[r]!, x.indptr[r + 1]!), indptr[i]!);
    values.set(x.values.subarray(x.indptr[r]!, x.indptr[r + 1]!), indptr[i]!);
  });
  return { rows: which.length, cols: x.cols, indptr, indices, values };
}

function argmaxRow(probs: Float32Array, row: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (probs[row * k + j]! > probs[row * k + best]!) best = j;
  return best;
}

/** A seeded permutation of 0..n-1 (mulberry32 + Fisher–Yates), identical on every platform. */
export function seededPermutation(n: number, seed: number): Int32Array {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Temperature scaling (Guo et al. 2017): the T in [0.5, 4] minimising the validation negative
 * log-likelihood of softmax(log p / T). One parameter, so it cannot change which label wins. The
 * lower bound stops a small, perfectly separated validation set from pushing every score to 1.
 */
export function fitTemperature(probs: Float32Array, targets: Int32Array, k: number): number {
  const n = targets.length;
  if (n === 0) return 1;
  const logp = Float64Array.from(probs, (p) => Math.log(Math.max(p, 1e-7)));
  const nll = (t: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j < k; j++) max = Math.max(max, logp[i * k + j]! / t);
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(logp[i * k + j]! / t - max);
      total -= logp[i * k + targets[i]!]! / t - max - Math.log(sum);
    }
    return total / n;
  };
  // Golden-section search on ln T: NLL is unimodal in T for a fixed set of log-probabilities.
  let lo = Math.log(0.5);
  let hi = Math.log(4);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = nll(Math.exp(a));
  let fb = nll(Math.exp(b));
  for (let i = 0; i < 40; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = nll(Math.exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = nll(Math.exp(b));
    }
  }
  const t = Math.exp((lo + hi) / 2);
  // Keep T = 1 unless scaling clearly helps: avoids churn from noise on small validation sets.
  return nll(t) < nll(1) - 1e-4 ? t : 1;
}
