// Reading model outputs: rows of a [batch, classes] tensor, softmax, sigmoid, argmax, top-k.
import type { Tensor } from 'onnxruntime-node';

/** A class index with its score. */
export interface Scored {
  /** Class index in the model's output order. */
  index: number;
  score: number;
}

/** The numbers of a numeric tensor: float data as it is (no copy), integers converted to a Float64Array. */
export function toNumbers(tensor: Tensor): Float32Array | Float64Array {
  const data = tensor.data;
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float64Array.from(data, (v) => Number(v));
  if (Array.isArray(data)) throw new TypeError(`Tensor of type ${tensor.type} holds strings, not numbers`);
  return Float64Array.from(data as ArrayLike<number>);
}

/**
 * Split a `[batch, ...rest]` tensor into one flat row per batch entry (views, not copies). A rank-1
 * tensor is one row.
 */
export function toRows(tensor: Tensor): Array<Float32Array | Float64Array> {
  const data = toNumbers(tensor);
  if (tensor.dims.length <= 1) return [data];
  const n = tensor.dims[0] as number;
  const width = n === 0 ? 0 : data.length / n;
  return Array.from({ length: n }, (_, i) => data.subarray(i * width, (i + 1) * width));
}

/** Numerically stable softmax. */
export function softmax(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i] as number);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const e = Math.exp((values[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** The logistic function of each value (for multi-label logits). */
export function sigmoid(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values, (v) => 1 / (1 + Math.exp(-v)));
}

/** Index of the largest value (the first one on ties); -1 for an empty list. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > bestValue || best < 0) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}

/** The `k` largest values with their indices, best first. */
export function topK(values: ArrayLike<number>, k: number): Scored[] {
  const all = Array.from({ length: values.length }, (_, index) => ({ index, score: values[index] as number }));
  all.sort((a, b) => b.score - a.score || a.index - b.index);
  return all.slice(0, Math.max(0, k));
}

/**
 * Whether a row already is a probability distribution (every value in [0, 1], summing to 1), as with
 * models that end in Softmax; otherwise it is taken as logits.
 */
export function isProbabilityRow(values: ArrayLike<number>, tolerance = 1e-3): boolean {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >= 0 && v <= 1)) return false;
    sum += v;
  }
  return values.length > 0 && Math.abs(sum - 1) <= tolerance;
}

/** Softmax over each row of a `[batch, classes]` output. */
export function softmaxRows(tensor: Tensor): Float32Array[] {
  return toRows(tensor).map((row) => softmax(row));
}
