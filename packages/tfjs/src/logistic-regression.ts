// Multinomial logistic regression on sparse rows, fitted full-batch with L-BFGS: the model scikit-learn's
// LogisticRegression(solver='lbfgs') fits, on the hashed n-gram rows of HashedNgramVectorizer. A few
// dozen passes over the non-zeros (a few hundred per text) replace 30 epochs of mini-batch Adam over
// dense 8,192-wide rows, which is why training 500 mails takes milliseconds instead of seconds.
import type { SparseRows } from './text-vectorizer.js';

/** Options of `fitLogisticRegression`. */
export interface LogisticRegressionOptions {
  /** Inverse L2 strength, as scikit-learn's `C`: minimises `C·Σ cross-entropy + ½‖W‖²` (bias unpenalised). */
  readonly c: number;
  /** L-BFGS iterations at most (scikit-learn's `max_iter`). */
  readonly maxIterations: number;
  /** Stop when the largest gradient component (of the mean loss) is below this. */
  readonly tolerance?: number;
  /** Start from these weights (`cols × k`, row-major) and biases instead of zeros (warm start). */
  readonly initialWeights?: Float32Array;
  readonly initialBias?: Float32Array;
  /** Checked between iterations; throws its reason once aborted. */
  readonly signal?: AbortSignal;
}

/** A fitted model: `logits = bias + Σ value · weights[col·k + j]`. */
export interface LogisticRegressionFit {
  /** `cols × k`, row-major (one row of k class weights per hashed column). */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly iterations: number;
  /** Mean cross-entropy on the training rows at the end. */
  readonly loss: number;
  readonly converged: boolean;
}

/**
 * Fit on `x` (sparse rows) with integer class targets in `0..k-1`. Only the columns that occur in `x`
 * are optimised (the others stay at their L2 optimum, zero, or at the warm-start value shrunk to zero).
 */
export function fitLogisticRegression(x: SparseRows, targets: Int32Array, k: number, options: LogisticRegressionOptions): LogisticRegressionFit {
  const n = x.rows;
  if (n === 0 || targets.length !== n) throw new RangeError(`need one target per row (rows ${n}, targets ${targets.length})`);
  // Compact the columns that occur: the optimisation runs over those only.
  const compactOf = new Map<number, number>();
  const cols: number[] = [];
  const local = new Int32Array(x.indices.length);
  for (let p = 0; p < x.indices.length; p++) {
    const col = x.indices[p]!;
    let c = compactOf.get(col);
    if (c === undefined) {
      c = cols.length;
      compactOf.set(col, c);
      cols.push(col);
    }
    local[p] = c;
  }
  const m = cols.length;
  const dim = m * k + k; // weights, then biases
  const params = new Float64Array(dim);
  if (options.initialWeights) for (let c = 0; c < m; c++) for (let j = 0; j < k; j++) params[c * k + j] = options.initialWeights[cols[c]! * k + j]!;
  if (options.initialBias) for (let j = 0; j < k; j++) params[m * k + j] = options.initialBias[j]!;
  // Mean-loss form of scikit-learn's objective: same minimiser, gradients of order 1.
  const lambda = 1 / (options.c * n);
  const logits = new Float64Array(k);

  if (k === 2) return fitBinary(x, targets, local, cols, options);
  const evaluate = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const start = x.indptr[i]!;
      const end = x.indptr[i + 1]!;
      for (let j = 0; j < k; j++) logits[j] = w[m * k + j]!;
      for (let p = start; p < end; p++) {
        const base = local[p]! * k;
        const v = x.values[p]!;
        for (let j = 0; j < k; j++) logits[j]! += v * w[base + j]!;
      }
      let max = -Infinity;
      for (let j = 0; j < k; j++) if (logits[j]! > max) max = logits[j]!;
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(logits[j]! - max);
      const logSum = max + Math.log(sum);
      const y = targets[i]!;
      loss += logSum - logits[y]!;
      // Residuals p - onehot, scattered back onto the row's columns.
      for (let j = 0; j < k; j++) logits[j] = (Math.exp(logits[j]! - logSum) - (j === y ? 1 : 0)) / n;
      for (let p = start; p < end; p++) {
        const base = local[p]! * k;
        const v = x.values[p]!;
        for (let j = 0; j < k; j++) grad[base + j]! += v * logits[j]!;
      }
      for (let j = 0; j < k; j++) grad[m * k + j]! += logits[j]!;
    }
    let penalty = 0;
    for (let q = 0; q < m * k; q++) {
      penalty += w[q]! * w[q]!;
      grad[q]! += lambda * w[q]!;
    }
    return loss / n + 0.5 * lambda * penalty;
  };

  const result = lbfgs(evaluate, params, { maxIterations: options.maxIterations, tolerance: options.tolerance ?? 1e-4, signal: options.signal });
  const weights = new Float32Array(x.cols * k);
  for (let c = 0; c < m; c++) for (let j = 0; j < k; j++) weights[cols[c]! * k + j] = params[c * k + j]!;
  const bias = Float32Array.from(params.subarray(m * k));
  // Report the data term only (what `loss` means in training logs).
  let penalty = 0;
  for (let q = 0; q < m * k; q++) penalty += params[q]! * params[q]!;
  return { weights, bias, iterations: result.iterations, loss: result.value - 0.5 * lambda * penalty, converged: result.converged };
}

/**
 * Two classes: scikit-learn's binary objective `C·Σ log(1 + e^(−y·z)) + ½‖w‖²` over one weight vector
 * (half the work of the two-class softmax), returned in softmax form: class 1 gets `w/2`, class 0
 * `−w/2`, so that softmax gives exactly sigmoid(z).
 */
function fitBinary(x: SparseRows, targets: Int32Array, local: Int32Array, cols: readonly number[], options: LogisticRegressionOptions): LogisticRegressionFit {
  const n = x.rows;
  const m = cols.length;
  const params = new Float64Array(m + 1);
  if (options.initialWeights) for (let c = 0; c < m; c++) params[c] = options.initialWeights[cols[c]! * 2 + 1]! - options.initialWeights[cols[c]! * 2]!;
  if (options.initialBias) params[m] = options.initialBias[1]! - options.initialBias[0]!;
  const lambda = 1 / (options.c * n);
  const { indptr, values } = x;
  const evaluate = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    const b = w[m]!;
    for (let i = 0; i < n; i++) {
      const start = indptr[i]!;
      const end = indptr[i + 1]!;
      let z = b;
      for (let p = start; p < end; p++) z += values[p]! * w[local[p]!]!;
      const y = targets[i] === 1 ? 1 : -1;
      const yz = y * z;
      // log(1 + e^(−yz)), stable on both sides.
      loss += yz > 0 ? Math.log1p(Math.exp(-yz)) : -yz + Math.log1p(Math.exp(yz));
      const r = (-y / (1 + Math.exp(yz))) / n; // d loss_i / dz, averaged
      for (let p = start; p < end; p++) grad[local[p]!]! += r * values[p]!;
      grad[m]! += r;
    }
    let penalty = 0;
    for (let q = 0; q < m; q++) {
      penalty += w[q]! * w[q]!;
      grad[q]! += lambda * w[q]!;
    }
    return loss / n + 0.5 * lambda * penalty;
  };
  const result = lbfgs(evaluate, params, { maxIterations: options.maxIterations, tolerance: options.tolerance ?? 1e-4, signal: options.signal });
  const weights = new Float32Array(x.cols * 2);
  let penalty = 0;
  for (let c = 0; c < m; c++) {
    weights[cols[c]! * 2] = -params[c]! / 2;
    weights[cols[c]! * 2 + 1] = params[c]! / 2;
    penalty += params[c]! * params[c]!;
  }
  const bias = Float32Array.of(-params[m]! / 2, params[m]! / 2);
  return { weights, bias, iterations: result.iterations, loss: result.value - 0.5 * lambda * penalty, converged: result.converged };
}

/**
 * Class probabilities (`rows × k`, row-major) of sparse rows: softmax(logits / temperature). The
 * softmax is inlined on a reused buffer rather than core's `softmax` (an array per row): this loop runs
 * once per task of a 20,000-task request.
 */
export function predictProbabilities(x: SparseRows, weights: Float32Array, bias: Float32Array, k: number, temperature = 1): Float32Array {
  const out = new Float32Array(x.rows * k);
  const logits = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < k; j++) logits[j] = bias[j]!;
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
      const base = x.indices[p]! * k;
      const v = x.values[p]!;
      for (let j = 0; j < k; j++) logits[j]! += v * weights[base + j]!;
    }
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      logits[j]! /= temperature;
      if (logits[j]! > max) max = logits[j]!;
    }
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[j]! - max);
    for (let j = 0; j < k; j++) out[i * k + j] = Math.exp(logits[j]! - max) / sum;
  }
  return out;
}

interface LbfgsResult {
  value: number;
  iterations: number;
  converged: boolean;
}

/**
 * Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking Armijo line search,
 * minimising `f` in place from `x`. Memory of 10 pairs, as scikit-learn's default.
 */
function lbfgs(
  f: (x: Float64Array, grad: Float64Array) => number,
  x: Float64Array,
  options: { maxIterations: number; tolerance: number; signal?: AbortSignal },
): LbfgsResult {
  const dim = x.length;
  const memory = 10;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(memory);
  let g = new Float64Array(dim);
  let gNext = new Float64Array(dim);
  const d = new Float64Array(dim);
  const xNext = new Float64Array(dim);
  let value = f(x, g);
  const maxAbs = (v: Float64Array) => {
    let m = 0;
    for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
    return m;
  };
  let iterations = 0;
  for (; iterations < options.maxIterations; iterations++) {
    options.signal?.throwIfAborted();
    if (maxAbs(g) < options.tolerance) return { value, iterations, converged: true };
    // Two-loop recursion: d = -H·g.
    for (let i = 0; i < dim; i++) d[i] = -g[i]!;
    for (let h = s.length - 1; h >= 0; h--) {
      alpha[h] = rho[h]! * dot(s[h]!, d);
      axpy(-alpha[h]!, y[h]!, d);
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!);
      for (let i = 0; i < dim; i++) d[i]! *= gamma;
    } else {
      // First step: a unit-length move along the steepest descent.
      const norm = Math.sqrt(dot(d, d));
      if (norm > 0) for (let i = 0; i < dim; i++) d[i]! /= norm;
    }
    for (let h = 0; h < s.length; h++) {
      const beta = rho[h]! * dot(y[h]!, d);
      axpy(alpha[h]! - beta, s[h]!, d);
    }
    let slope = dot(g, d);
    if (slope >= 0) {
      // Not a descent direction (curvature noise): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < dim; i++) d[i] = -g[i]!;
      slope = dot(g, d);
    }
    let step = 1;
    let next = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < dim; i++) xNext[i] = x[i]! + step * d[i]!;
      next = f(xNext, gNext);
      if (next <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(next < value)) return { value, iterations, converged: maxAbs(g) < options.tolerance * 10 };
    const sNew = s.length === memory ? s.shift()! : new Float64Array(dim);
    const yNew = y.length === memory ? y.shift()! : new Float64Array(dim);
    if (rho.length === memory) rho.shift();
    for (let i = 0; i < dim; i++) {
      sNew[i] = xNext[i]! - x[i]!;
      yNew[i] = gNext[i]! - g[i]!;
    }
    const sy = dot(sNew, yNew);
    x.set(xNext);
    [g, gNext] = [gNext, g];
    value = next;
    if (sy > 1e-12) {
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
    }
  }
  return { value, iterations, converged: maxAbs(g) < options.tolerance };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += a * x[i]!;
}
