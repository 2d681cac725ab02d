// Paths of the generated test models (scripts/make-test-models.ts) and plain-JS references computed
// from their weights, for the tests only.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const modelPath = (name: string): string => fileURLToPath(new URL(`../test/models/${name}`, import.meta.url));

export const CLASSIFIER = modelPath('text-classifier.onnx');
export const CLASSIFIER_FIXED = modelPath('text-classifier-fixed.onnx');
export const TOKEN_POOLER = modelPath('token-pooler.onnx');

interface ClassifierWeights {
  features: number;
  hidden: number;
  labels: string[];
  W1: number[];
  b1: number[];
  W2: number[];
  b2: number[];
}

interface PoolerWeights {
  vocab: number;
  embed: number;
  classes: number;
  E: number[];
  Wt: number[];
}

const readJson = <T>(name: string): T => JSON.parse(fs.readFileSync(modelPath(name), 'utf8')) as T;

export const classifierWeights = readJson<ClassifierWeights>('text-classifier.weights.json');
export const poolerWeights = readJson<PoolerWeights>('token-pooler.weights.json');
export const FEATURES = classifierWeights.features;
export const LABELS = classifierWeights.labels;

/** The classifier's forward pass in float64: logits and softmax probabilities for one feature row. */
export function referenceClassifier(x: ArrayLike<number>): { logits: number[]; probabilities: number[] } {
  const { features: F, hidden: H, labels, W1, b1, W2, b2 } = classifierWeights;
  const C = labels.length;
  const h = Array.from({ length: H }, (_, j) => {
    let s = b1[j] as number;
    for (let i = 0; i < F; i++) s += (x[i] as number) * (W1[i * H + j] as number);
    return Math.max(0, s);
  });
  const logits = Array.from({ length: C }, (_, c) => {
    let s = b2[c] as number;
    for (let j = 0; j < H; j++) s += (h[j] as number) * (W2[j * C + c] as number);
    return s;
  });
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return { logits, probabilities: e.map((v) => v / sum) };
}

/** The token pooler for one unpadded id sequence: per-token logits [n, C] and the mean embedding [D]. */
export function referencePooler(ids: readonly number[]): { tokenLogits: number[][]; pooled: number[] } {
  const { embed: D, classes: C, E, Wt } = poolerWeights;
  const emb = ids.map((id) => Array.from({ length: D }, (_, d) => E[id * D + d] as number));
  const tokenLogits = emb.map((e) => Array.from({ length: C }, (_, c) => e.reduce((s, v, d) => s + v * (Wt[d * C + c] as number), 0)));
  const pooled = Array.from({ length: D }, (_, d) => emb.reduce((s, e) => s + (e[d] as number), 0) / Math.max(1, ids.length));
  return { tokenLogits, pooled };
}

export const REVIEWS = [
  'I love this product, it is excellent',
  'Terrible quality, the worst order ever',
  'The package arrived as expected',
  'Really great service and amazing quality',
  'It was broken and I want a refund',
  'An average item, fine for the usual price',
  'happy happy happy',
  '',
];

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e)))) throw new Error(`index ${i}: ${a} differs from ${e} by more than ${tolerance}`);
  }
}

export const TAGGER = modelPath('token-tagger.onnx');
