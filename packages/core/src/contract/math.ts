// Scores from raw model outputs: one copy for every adapter.

/**
 * Softmax of one row of logits (numerically stable: the row's maximum is subtracted first).
 *
 * ```ts
 * softmax([2, 1, 0]); // [0.665, 0.245, 0.090]
 * ```
 */
export function softmax(row: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i] as number);
  const exps = Array.from({ length: row.length }, (_, i) => Math.exp((row[i] as number) - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Logistic sigmoid of each value: independent probabilities for multi-label models. */
export function sigmoid(row: ArrayLike<number>): number[] {
  return Array.from({ length: row.length }, (_, i) => 1 / (1 + Math.exp(-(row[i] as number))));
}

/** Index of the largest value (the first on ties); -1 for an empty row. */
export function argmax(row: ArrayLike<number>): number {
  if (row.length === 0) return -1;
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

/**
 * True when `row` already is a probability distribution (values in [0, 1] summing to 1 ± `tolerance`),
 * so no softmax should be applied.
 */
export function isProbabilityRow(row: ArrayLike<number>, tolerance = 1e-3): boolean {
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i] as number;
    if (!(v >= 0 && v <= 1)) return false;
    sum += v;
  }
  return row.length > 0 && Math.abs(sum - 1) <= tolerance;
}
