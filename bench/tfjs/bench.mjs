// @lsml/tfjs: predict throughput of the hashed n-gram text classifier on each TF.js backend (wasm vs
// cpu, plus tensorflow when tfjs-node is installed) and the time to train it on 500 examples.
// Usage (after `npx turbo run build --filter=@lsml/tfjs`): node bench/tfjs/bench.mjs [--seconds 2] [--dims 2048]
import { initTfjs, TextClassifier } from '@lsml/tfjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 2);
const dims = arg('dims', 2048);
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
const texts = examples(1000, 3).map((e) => e.text);
const single = texts.slice(0, 100);
const rows = [];
for (const backend of ['tensorflow', 'wasm', 'cpu']) {
  try {
    await initTfjs({ backend });
  } catch {
    if (backend !== 'tensorflow') throw new Error(`backend ${backend} unavailable`);
    console.log('tensorflow: skipped (install @tensorflow/tfjs-node to include it)');
    continue;
  }
  const clf = await TextClassifier.create({ labels: LABELS, vectorizer: { dims } });
  const t0 = performance.now();
  const result = await clf.train(trainSet);
  const trainMs = performance.now() - t0;
  const batchPerSec = (await rate(() => clf.predict(texts))) * texts.length;
  // One call per text, as a naive backend would do it: shows what batching buys.
  const singlePerSec = (await rate(async () => {
    for (const t of single) await clf.predict([t]);
  })) * single.length;
  const test = examples(1000, 2);
  const preds = await clf.predict(test.map((e) => e.text));
  rows.push({
    backend,
    'train 500 (ms)': Math.round(trainMs),
    epochs: result.epochs,
    'ms/epoch': +(trainMs / result.epochs).toFixed(1),
    'val acc': result.valAccuracy?.toFixed(3),
    'predict batch 1000 (texts/s)': Math.round(batchPerSec),
    'ms per 1000': +(1000 / batchPerSec * 1000).toFixed(1),
    'predict 1 per call (texts/s)': Math.round(singlePerSec),
    'test acc': (preds.filter((p, i) => p.label === test[i].label).length / test.length).toFixed(3),
  });
  clf.dispose();
}
console.log(`@lsml/tfjs bench: ${dims} hashed dims, 3 labels, Node ${process.version}`);
console.table(rows);
const by = Object.fromEntries(rows.map((r) => [r.backend, r]));
if (by.wasm && by.cpu) {
  const ratio = by.wasm['predict batch 1000 (texts/s)'] / by.cpu['predict batch 1000 (texts/s)'];
  console.log(`predict throughput wasm/cpu: ${ratio.toFixed(2)}x   train time cpu/wasm: ${(by.cpu['train 500 (ms)'] / by.wasm['train 500 (ms)']).toFixed(2)}x`);
}
// Machine-readable rows for bench/run-all.mjs: figures without a goal; the cpu backend is the baseline.
const { printSummary } = await import('../lib.mjs');
printSummary(
  'tfjs',
  rows.flatMap((r) => {
    const base = r.backend === 'cpu' ? undefined : by.cpu;
    const rel = (value, key) => (base ? { baseline: base[key], ratio: Number((value / base[key]).toFixed(3)) } : {});
    return [
      { name: `train 500 (${r.backend})`, value: r['train 500 (ms)'], unit: 'ms', ...rel(r['train 500 (ms)'], 'train 500 (ms)'), goal: base ? 'none (vs cpu backend)' : 'none (baseline)', met: null },
      { name: `predict batch 1000 (${r.backend})`, value: r['predict batch 1000 (texts/s)'], unit: 'texts/s', ...rel(r['predict batch 1000 (texts/s)'], 'predict batch 1000 (texts/s)'), goal: base ? 'none (vs cpu backend)' : 'none (baseline)', met: null },
    ];
  }),
);
