// Generate the small ONNX models the tests use, with seeded weights, into test/models/ (committed).
// Run: npx tsx packages/onnx/scripts/make-test-models.ts
//
// - text-classifier.onnx: MLP over hashed bag-of-words, features float32 [batch, 512] →
//   probabilities and logits float32 [batch, 3]; trained here for a few hundred steps on a tiny synthetic
//   sentiment corpus so that its answers make sense in the README demo.
// - text-classifier-fixed.onnx: the same weights with a fixed batch of 1 ([1, 512] → [1, 3]).
// - token-pooler.onnx: input_ids/attention_mask int64 [batch, sequence] → token_logits [batch, sequence, 3]
//   and a masked mean "pooled" [batch, 8]: exercises int64 feeds, padding and trimming when batching.
// - token-tagger.onnx: token classification with hand-set weights — input_ids/attention_mask int64
//   [batch, sequence] → logits float32 [batch, sequence, 5] over the tags O, B-PER, I-PER, B-LOC, I-LOC:
//   an embedding lookup (Gather) whose row for each vocabulary word is a one-hot of that word's tag
//   (scaled), times an identity MatMul, masked by attention_mask. So each known word gets its tag
//   deterministically (probability e^4 / (e^4 + 4) ≈ 0.932). Its vocabulary and tags go to
//   token-tagger.vocab.json, for the tests' and the example's whitespace tokenizer.
// Weights also go to <name>.weights.json so tests can compute references in plain JS.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, type GraphInit, type TensorInit } from '../../../scripts/onnx/onnx-writer.js';
import { hashedBagOfWords } from '../src/text-features.js';

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'models');

const FEATURES = 512;
const HIDDEN = 16;
const LABELS = ['negative', 'neutral', 'positive'] as const;

/** mulberry32: tiny, seedable, the same numbers on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

// ---- a tiny synthetic sentiment corpus ------------------------------------------------------------

const WORDS = {
  negative: ['bad', 'awful', 'terrible', 'hate', 'poor', 'broken', 'worst', 'disappointing', 'angry', 'refund'],
  neutral: ['okay', 'average', 'fine', 'arrived', 'package', 'normal', 'usual', 'standard', 'expected', 'delivered'],
  positive: ['good', 'great', 'love', 'excellent', 'happy', 'perfect', 'best', 'amazing', 'wonderful', 'recommend'],
};
const FILLER = ['the', 'product', 'it', 'was', 'this', 'is', 'very', 'really', 'my', 'order', 'and', 'service', 'item', 'quality'];

function corpus(rand: () => number, n: number): Array<{ text: string; label: number }> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  return Array.from({ length: n }, () => {
    const label = Math.floor(rand() * 3);
    const words = Array.from({ length: 3 + Math.floor(rand() * 5) }, () => pick(FILLER));
    const own = WORDS[LABELS[label] as keyof typeof WORDS];
    for (let k = 0; k < 1 + Math.floor(rand() * 2); k++) words.splice(Math.floor(rand() * words.length), 0, pick(own));
    return { text: words.join(' '), label };
  });
}

// ---- the MLP: features → Relu(x·W1 + b1)·W2 + b2 → softmax ---------------------------------------

interface Mlp {
  W1: Float64Array; // [FEATURES, HIDDEN]
  b1: Float64Array;
  W2: Float64Array; // [HIDDEN, C]
  b2: Float64Array;
}

function forward(m: Mlp, x: Float32Array): { h: Float64Array; logits: Float64Array } {
  const C = LABELS.length;
  const h = new Float64Array(HIDDEN);
  for (let j = 0; j < HIDDEN; j++) {
    let s = m.b1[j] as number;
    for (let i = 0; i < FEATURES; i++) if (x[i] !== 0) s += (x[i] as number) * (m.W1[i * HIDDEN + j] as number);
    h[j] = Math.max(0, s);
  }
  const logits = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = m.b2[c] as number;
    for (let j = 0; j < HIDDEN; j++) s += (h[j] as number) * (m.W2[j * C + c] as number);
    logits[c] = s;
  }
  return { h, logits };
}

/** Plain SGD on cross-entropy; deterministic because the data order and the init are seeded. */
function train(seed: number): Mlp {
  const rand = rng(seed);
  const C = LABELS.length;
  const m: Mlp = {
    W1: Float64Array.from({ length: FEATURES * HIDDEN }, () => normal(rand) * Math.sqrt(2 / 8)),
    b1: new Float64Array(HIDDEN).fill(0.01),
    W2: Float64Array.from({ length: HIDDEN * C }, () => normal(rand) * Math.sqrt(1 / HIDDEN)),
    b2: new Float64Array(C),
  };
  const data = corpus(rand, 600).map((d) => ({ x: hashedBagOfWords(d.text, FEATURES), y: d.label }));
  const lr = 0.1;
  for (let epoch = 0; epoch < 15; epoch++) {
    for (const { x, y } of data) {
      const { h, logits } = forward(m, x);
      const max = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - max));
      const sum = e.reduce((a, b) => a + b, 0);
      const dLogits = e.map((v, c) => v / sum - (c === y ? 1 : 0));
      const dH = new Float64Array(HIDDEN);
      for (let j = 0; j < HIDDEN; j++) {
        for (let c = 0; c < C; c++) {
          dH[j] = (dH[j] as number) + (dLogits[c] as number) * (m.W2[j * C + c] as number);
          m.W2[j * C + c] = (m.W2[j * C + c] as number) - lr * (h[j] as number) * (dLogits[c] as number);
        }
        if ((h[j] as number) <= 0) dH[j] = 0;
      }
      for (let c = 0; c < C; c++) m.b2[c] = (m.b2[c] as number) - lr * (dLogits[c] as number);
      for (let j = 0; j < HIDDEN; j++) m.b1[j] = (m.b1[j] as number) - lr * (dH[j] as number);
      for (let i = 0; i < FEATURES; i++) {
        if (x[i] === 0) continue;
        for (let j = 0; j < HIDDEN; j++) m.W1[i * HIDDEN + j] = (m.W1[i * HIDDEN + j] as number) - lr * (x[i] as number) * (dH[j] as number);
      }
    }
  }
  const test = corpus(rng(seed + 1), 200);
  const correct = test.filter((d) => {
    const { logits } = forward(m, hashedBagOfWords(d.text, FEATURES));
    return logits.indexOf(Math.max(...logits)) === d.label;
  }).length;
  console.log(`text-classifier: held-out accuracy ${((100 * correct) / test.length).toFixed(1)}% on ${test.length} synthetic reviews`);
  return m;
}

function classifierGraph(m: Mlp, batch: number | string): GraphInit {
  const C = LABELS.length;
  const f32 = (name: string, dims: number[], data: Float64Array): TensorInit => ({ name, type: 'float32', dims, data: Float32Array.from(data) });
  return {
    name: 'text_classifier',
    nodes: [
      { op: 'MatMul', inputs: ['features', 'W1'], outputs: ['xw1'] },
      { op: 'Add', inputs: ['xw1', 'b1'], outputs: ['pre1'] },
      { op: 'Relu', inputs: ['pre1'], outputs: ['hidden'] },
      { op: 'MatMul', inputs: ['hidden', 'W2'], outputs: ['hw2'] },
      { op: 'Add', inputs: ['hw2', 'b2'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: { i: -1 } } },
    ],
    inputs: [{ name: 'features', type: 'float32', shape: [batch, FEATURES] }],
    // Probabilities first: the classifier backend reads the first output by default.
    outputs: [
      { name: 'probabilities', type: 'float32', shape: [batch, C] },
      { name: 'logits', type: 'float32', shape: [batch, C] },
    ],
    initializers: [f32('W1', [FEATURES, HIDDEN], m.W1), f32('b1', [HIDDEN], m.b1), f32('W2', [HIDDEN, C], m.W2), f32('b2', [C], m.b2)],
  };
}

// ---- token pooler: embeddings → per-token logits and masked mean pooling ---------------------------

const VOCAB = 50;
const EMBED = 8;

function tokenPooler(seed: number): { graph: GraphInit; weights: Record<string, number[] | number> } {
  const rand = rng(seed);
  const C = LABELS.length;
  const E = Float32Array.from({ length: VOCAB * EMBED }, () => normal(rand) * 0.5);
  const Wt = Float32Array.from({ length: EMBED * C }, () => normal(rand) * 0.5);
  const graph: GraphInit = {
    name: 'token_pooler',
    nodes: [
      { op: 'Gather', inputs: ['E', 'input_ids'], outputs: ['emb'], attributes: { axis: { i: 0 } } }, // [b, s, D]
      { op: 'MatMul', inputs: ['emb', 'Wt'], outputs: ['token_logits'] }, // [b, s, C]
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['maskf'], attributes: { to: { i: 1 } } }, // [b, s]
      { op: 'Unsqueeze', inputs: ['maskf', 'axis_last'], outputs: ['mask3'] }, // [b, s, 1]
      { op: 'Mul', inputs: ['emb', 'mask3'], outputs: ['masked'] },
      { op: 'ReduceSum', inputs: ['masked', 'axis_seq'], outputs: ['summed'], attributes: { keepdims: { i: 0 } } }, // [b, D]
      { op: 'ReduceSum', inputs: ['maskf', 'axis_seq'], outputs: ['count'], attributes: { keepdims: { i: 1 } } }, // [b, 1]
      { op: 'Max', inputs: ['count', 'one'], outputs: ['safe_count'] },
      { op: 'Div', inputs: ['summed', 'safe_count'], outputs: ['pooled'] },
    ],
    inputs: [
      { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
      { name: 'attention_mask', type: 'int64', shape: ['batch', 'sequence'] },
    ],
    outputs: [
      { name: 'token_logits', type: 'float32', shape: ['batch', 'sequence', C] },
      { name: 'pooled', type: 'float32', shape: ['batch', EMBED] },
    ],
    initializers: [
      { name: 'E', type: 'float32', dims: [VOCAB, EMBED], data: E },
      { name: 'Wt', type: 'float32', dims: [EMBED, C], data: Wt },
      { name: 'axis_last', type: 'int64', dims: [1], data: BigInt64Array.from([-1n]) },
      { name: 'axis_seq', type: 'int64', dims: [1], data: BigInt64Array.from([1n]) },
      { name: 'one', type: 'float32', dims: [], data: Float32Array.from([1]) },
    ],
  };
  return { graph, weights: { vocab: VOCAB, embed: EMBED, classes: C, E: [...E], Wt: [...Wt] } };
}

// ---- token tagger: hand-set weights, each word → its tag -------------------------------------------

const TAGS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'] as const;
// Word → tag. Ids follow this order after the four special tokens; `##ton` is a word piece (Bos + ##ton).
const TAGGER_WORDS: Array<[string, (typeof TAGS)[number]]> = [
  ['alice', 'B-PER'],
  ['bob', 'B-PER'],
  ['smith', 'I-PER'],
  ['paris', 'B-LOC'],
  ['london', 'B-LOC'],
  ['new', 'B-LOC'],
  ['york', 'I-LOC'],
  ['bos', 'B-LOC'],
  ['##ton', 'I-LOC'],
  ['met', 'O'],
  ['in', 'O'],
  ['lives', 'O'],
  ['and', 'O'],
];
const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
const SCALE = 4;

function tokenTagger(): { graph: GraphInit; vocab: { tokens: string[]; tags: readonly string[]; special: Record<string, number> } } {
  const tokens = [...SPECIAL, ...TAGGER_WORDS.map(([w]) => w)];
  const T = TAGS.length;
  const E = new Float32Array(tokens.length * T);
  tokens.forEach((token, id) => {
    // Special and unknown tokens are O.
    const tag = TAGGER_WORDS.find(([w]) => w === token)?.[1] ?? 'O';
    E[id * T + TAGS.indexOf(tag)] = SCALE;
  });
  const W = new Float32Array(T * T);
  for (let i = 0; i < T; i++) W[i * T + i] = 1;
  const graph: GraphInit = {
    name: 'token_tagger',
    nodes: [
      { op: 'Gather', inputs: ['E', 'input_ids'], outputs: ['emb'], attributes: { axis: { i: 0 } } }, // [b, s, T]
      { op: 'MatMul', inputs: ['emb', 'W'], outputs: ['scores'] }, // [b, s, T]
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['maskf'], attributes: { to: { i: 1 } } }, // [b, s]
      { op: 'Unsqueeze', inputs: ['maskf', 'axis_last'], outputs: ['mask3'] }, // [b, s, 1]
      { op: 'Mul', inputs: ['scores', 'mask3'], outputs: ['logits'] },
    ],
    inputs: [
      { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
      { name: 'attention_mask', type: 'int64', shape: ['batch', 'sequence'] },
    ],
    outputs: [{ name: 'logits', type: 'float32', shape: ['batch', 'sequence', T] }],
    initializers: [
      { name: 'E', type: 'float32', dims: [tokens.length, T], data: E },
      { name: 'W', type: 'float32', dims: [T, T], data: W },
      { name: 'axis_last', type: 'int64', dims: [1], data: BigInt64Array.from([-1n]) },
    ],
  };
  return { graph, vocab: { tokens, tags: TAGS, special: Object.fromEntries(SPECIAL.map((t, i) => [t, i])) } };
}

function write(name: string, bytes: Uint8Array, weights?: unknown): void {
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `${name}.onnx`), bytes);
  if (weights !== undefined) fs.writeFileSync(path.join(outDir, `${name}.weights.json`), `${JSON.stringify(weights)}\n`);
  console.log(`wrote test/models/${name}.onnx (${bytes.length} bytes)${weights === undefined ? '' : ` and ${name}.weights.json`}`);
}

const mlp = train(20240611);
const f32List = (a: Float64Array) => [...Float32Array.from(a)];
const mlpWeights = {
  features: FEATURES,
  hidden: HIDDEN,
  labels: LABELS,
  W1: f32List(mlp.W1),
  b1: f32List(mlp.b1),
  W2: f32List(mlp.W2),
  b2: f32List(mlp.b2),
};
const producer = 'lsml make-test-models';
write('text-classifier', encodeModel({ graph: classifierGraph(mlp, 'batch'), producer }), mlpWeights);
// Same weights as text-classifier (its weights.json serves both).
write('text-classifier-fixed', encodeModel({ graph: { ...classifierGraph(mlp, 1), name: 'text_classifier_fixed' }, producer }));
const pooler = tokenPooler(7);
write('token-pooler', encodeModel({ graph: pooler.graph, producer }), pooler.weights);
const tagger = tokenTagger();
write('token-tagger', encodeModel({ graph: tagger.graph, producer }));
fs.writeFileSync(path.join(outDir, 'token-tagger.vocab.json'), `${JSON.stringify(tagger.vocab, null, 2)}\n`);
console.log('wrote test/models/token-tagger.vocab.json');
