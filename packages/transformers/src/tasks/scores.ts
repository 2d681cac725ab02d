// TEMPORARY until @lsml/core exports softmax/sigmoid/argmax (c1): replaced by the core imports then.
export function softmax(row: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i] as number);
  const exps = Array.from({ length: row.length }, (_, i) => Math.exp((row[i] as number) - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function sigmoid(row: ArrayLike<number>): number[] {
  return Array.from({ length: row.length }, (_, i) => 1 / (1 + Math.exp(-(row[i] as number))));
}
