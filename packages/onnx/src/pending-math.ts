// TEMPORARY copy until c1 lands (see pending-core.ts).
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
export function sigmoid(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values, (v) => 1 / (1 + Math.exp(-v)));
}
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

