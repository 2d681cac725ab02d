// @lsml/tfjs: tfjsRuntime's text classifier (sparse hashed n-grams → logistic regression fitted with
// L-BFGS, in worker threads) against the same model written the plain TF.js way in this run (dense
// hashed rows → Dense softmax, 30 epochs of mini-batch Adam, predict with model.predict), on 500
// training and 1,000 test texts of the synthetic 3-class generator.
// Rows: train time (goal ≤ 0.5× TF.js), predict throughput (goal ≥ 1× TF.js), test accuracy (goal ≥
// TF.js − 0.01).
// Usage (after `npx turbo run build`): node bench/tfjs/bench.mjs [--seconds 2] [--dims 8192]

import { HashedNgramVectorizer, initTfjs, tf, tfjsRuntime } from '@lsml/tfjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 2);
const dims = arg('dims', 8192);
const LABELS = ['Positive', 'Negative', 'Neutral'];

// Deterministic synthetic sentences (mulberry32), the generator of the package tests
// (packages/tfjs/src/synthetic-text.test-helper.ts): 3 classes, several scripts, 5% label noise.
function examples(n, seed) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const subjects = ['The film', 'This café', 'Our hotel', 'The service', 'My order', 'Этот фильм', 'La cuisine', 'The app', 'Das Essen', 'The concert'];
  const fillers = ['the staff', 'yesterday', 'on Monday', 'overall', 'for the price', 'in general', 'with friends', 'this time', 'again', 'honestly'];
  const words = {
    Positive: ['wonderful', 'great', 'excellent', 'delightful', 'superb', 'très bon', 'отлично', 'loved it', '😀', 'fantastic', 'brilliant'],
    Negative: ['terrible', 'awful', 'disappointing', 'horrible', 'broken', 'très mauvais', 'ужасно', 'hated it', '😡', 'dreadful', 'useless'],
    Neutral: ['average', 'okay', 'ordinary', 'acceptable', 'standard', 'so-so', 'нормально', 'as expected', '🤷', 'unremarkable', 'fine I guess'],
  };
  const out = [];
  for (let i = 0; i < n; i++) {
    const label = LABELS[i % LABELS.length];
    const w = [pick(words[label]), pick(words[label])];
    if (rand() < 0.35) {
      w[1] = pick(words[pick(LABELS.filter((l) => l !== label))]);
      if (rand() < 0.5) w.push(pick(words[label]));
    }
    const text = `${pick(subjects)} was ${w[0]} ${pick(fillers)}, ${w.slice(1).join(' and ')}.`;
    const noisy = rand() < 0.05 ? pick(LABELS.filter((l) => l !== label)) : label;
    out.push({ text: rand() < 0.3 ? text.toUpperCase() : text, label: noisy });
  }
  return out;
}

/** Calls per second of `fn` over about `seconds`, after a warm-up. */
async function rate(fn) {
  for (let i = 0; i < 3; i++) await fn();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await fn();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

const trainSet = examples(500, 1);
const test = examples(1000, 2);
const platform = await initTfjs();

// ---- baseline: plain TF.js, dense rows, mini-batch Adam ------------------------------------------
const vectorizer = new HashedNgramVectorizer({ dims, ngramRange: [1, 2] });
const index = new Map(LABELS.map((l, i) => [l, i]));
let t0 = performance.now();
const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [dims], units: LABELS.length, activation: 'softmax' })] });
model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
const x = tf.tensor2d(vectorizer.transform(trainSet.map((e) => e.text)), [trainSet.length, dims]);
const y = tf.oneHot(tf.tensor1d(trainSet.map((e) => index.get(e.label)), 'int32'), LABELS.length).toFloat();
await model.fit(x, y, { epochs: 30, batchSize: 128, shuffle: true, verbose: 0 });
const tfTrainMs = performance.now() - t0;
tf.dispose([x, y]);
const tfPredict = async (texts) => {
  const p = tf.tidy(() => model.predict(tf.tensor2d(vectorizer.transform(texts), [texts.length, dims]), { batchSize: texts.length }));
  const data = await p.data();
  p.dispose();
  return data;
};
const tfProbs = await tfPredict(test.map((e) => e.text));
const tfAccuracy = test.filter((e, i) => argmax(tfProbs, i) === index.get(e.label)).length / test.length;
const tfRate = (await rate(() => tfPredict(test.map((e) => e.text)))) * test.length;
model.dispose();

// ---- tfjsRuntime ----------------------------------------------------------------------------------
const runtime = tfjsRuntime({ vectorizer: { dims, ngramRange: [1, 2] } });
await runtime.load();
// The first call starts the worker threads: not part of a training's cost in a running server.
await runtime.train(trainSet.slice(0, 20).map((e) => ({ input: { kind: 'text', text: e.text }, labels: [e.label] })), { labels: LABELS });
t0 = performance.now();
const metrics = await runtime.train(trainSet.map((e) => ({ input: { kind: 'text', text: e.text }, labels: [e.label] })), { labels: LABELS });
const ourTrainMs = performance.now() - t0;
const inputs = test.map((e) => ({ kind: 'text', text: e.text }));
const outs = await runtime.run(inputs);
const ourAccuracy = outs.filter((o, i) => [...o.classes].sort((a, b) => b.score - a.score)[0].label === test[i].label).length / test.length;
const ourRate = (await rate(() => runtime.run(inputs))) * test.length;
await runtime.dispose();

console.log(`@lsml/tfjs bench: ${dims} hashed dims, 3 labels, TF.js backend ${platform.backend}, Node ${process.version}`);
console.table([
  { model: 'plain TF.js (dense, Adam 30 epochs)', 'train 500 (ms)': Math.round(tfTrainMs), 'predict (texts/s)': Math.round(tfRate), 'test acc': tfAccuracy.toFixed(3) },
  { model: `tfjsRuntime (sparse, L-BFGS ${metrics.iterations} it., ${metrics.ranOn})`, 'train 500 (ms)': Math.round(ourTrainMs), 'predict (texts/s)': Math.round(ourRate), 'test acc': ourAccuracy.toFixed(3) },
]);
const round = (v, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const rows = [
  { name: 'tfjs text classifier train 500 ms (vs plain TF.js)', value: round(ourTrainMs, 1), baseline: round(tfTrainMs, 1), ratio: round(ourTrainMs / tfTrainMs), goal: '<= 0.5x plain TF.js', met: ourTrainMs <= 0.5 * tfTrainMs },
  { name: 'tfjs text classifier predict texts/s (vs plain TF.js)', value: Math.round(ourRate), baseline: Math.round(tfRate), ratio: round(ourRate / tfRate), goal: '>= 1x plain TF.js', met: ourRate >= tfRate },
  { name: 'tfjs text classifier test accuracy (vs plain TF.js)', value: ourAccuracy, baseline: tfAccuracy, ratio: round(ourAccuracy / tfAccuracy), goal: '>= plain TF.js - 0.01', met: ourAccuracy >= tfAccuracy - 0.01 },
];

function argmax(probs, row) {
  let best = 0;
  for (let j = 1; j < LABELS.length; j++) if (probs[row * LABELS.length + j] > probs[row * LABELS.length + best]) best = j;
  return best;
}

const { printSummary } = await import('../lib.mjs');
printSummary('tfjs', rows);
