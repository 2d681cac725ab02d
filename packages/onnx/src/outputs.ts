// Reading model outputs: the numbers of a tensor, its rows, top-k. softmax / sigmoid / argmax /
// isProbabilityRow are core's (one copy for every adapter).
import type { Tensor } from 'onnxruntime-node';
import { softmax } from '@lsml/core';

/** A class index with its score (`topK`). */
export interface Scored {
  /** Class index in the model's output order. */
  index: number;
  /** Its score. */
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

/** The `k` largest values with their indices, best first. */
export function topK(values: ArrayLike<number>, k: number): Scored[] {
  const all = Array.from({ length: values.length }, (_, index) => ({ index, score: values[index] as number }));
  all.sort((a, b) => b.score - a.score || a.index - b.index);
  return all.slice(0, Math.max(0, k));
}

/** Softmax over each row of a `[batch, classes]` output. */
export function softmaxRows(tensor: Tensor): Array<ArrayLike<number>> {
  return toRows(tensor).map((row) => softmax(row));
}
