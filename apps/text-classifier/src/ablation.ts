// The design table of the README, measured: the app's model against one change at a time (bigrams,
// 16,384 buckets, a hidden layer, early stopping), trained on the same SpamAssassin splits and
// scored on the same 1,000 held-out mails.
//
//   npm run ablation -w apps/text-classifier [-- --seeds 1,2,3 --sizes 100,200,500]
//
// Each variant trains a fresh classifier (the @lsml/tfjs TextClassifier the app uses) on the first N
// mails of the split's labelling pool, in random order, and is scored on the split's test mails.
// Prints one markdown row per (variant, annotations): accuracy over the seeds (min–max and mean) and
// the mean training time (vectorise, fit, calibrate).
import { getTfjsRuntime, TextClassifier, type ClassifierTrainOptions, type TextClassifierOptions } from '@lsml/tfjs';
import AppModel from './model.js';
import { loadMails, shuffled } from './spam-corpus.js';

const TEST_SIZE = 1000;
const LABELS = ['ham', 'spam'] as const;

function listArg(argv: readonly string[], name: string, fallback: string): number[] {
  const i = argv.indexOf(name);
  const text = i >= 0 ? argv[i + 1] ?? '' : fallback;
  const values = text.split(',').map(Number);
  if (values.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`${name} takes comma-separated integers, got "${text}"`);
  return values;
}

/** The app's own settings (model.ts), read through a subclass so this script cannot drift from them. */
class Probe extends AppModel {
  settings(): { classifier: Omit<TextClassifierOptions, 'labels'>; train: ClassifierTrainOptions } {
    return { classifier: this.classifierOptions(), train: this.trainOptions() };
  }
}

const argv = process.argv.slice(2);
const seeds = listArg(argv, '--seeds', '1,2,3');
const sizes = listArg(argv, '--sizes', '100,200,500');
const app = new Probe({ projectId: 'ablation' }).settings();
const appVectorizer = (app.classifier.vectorizer ?? {}) as { dims?: number; ngramRange?: [number, number] };

interface Variant {
  name: string;
  classifier: Omit<TextClassifierOptions, 'labels'>;
  train: ClassifierTrainOptions;
}
const variants: Variant[] = [
  { name: 'app: unigrams, 8,192 buckets, no hidden layer, 30 epochs', classifier: app.classifier, train: app.train },
  { name: 'unigrams + bigrams', classifier: { ...app.classifier, vectorizer: { ...appVectorizer, ngramRange: [1, 2] } }, train: app.train },
  { name: '16,384 buckets', classifier: { ...app.classifier, vectorizer: { ...appVectorizer, dims: 16_384 } }, train: app.train },
  { name: '16-unit hidden layer', classifier: { ...app.classifier, hiddenUnits: 16 }, train: app.train },
  { name: 'early stopping (patience 3, up to 50 epochs)', classifier: app.classifier, train: { ...app.train, epochs: 50, earlyStopping: { patience: 3 } } },
];

const corpus = loadMails();
const results = new Map<string, { accuracy: number[]; ms: number[] }>();
const started = performance.now();
for (const seed of seeds) {
  const mails = shuffled(corpus, seed);
  const test = mails.slice(0, TEST_SIZE);
  const pool = mails.slice(TEST_SIZE);
  for (const size of sizes) {
    const examples = pool.slice(0, size).map((m) => ({ text: m.text, label: m.label }));
    for (const v of variants) {
      const clf = await TextClassifier.create({ labels: LABELS, ...v.classifier });
      try {
        const t0 = performance.now();
        await clf.train(examples, v.train);
        const ms = performance.now() - t0;
        const predicted = await clf.predict(test.map((m) => m.text));
        const accuracy = predicted.filter((p, i) => p.label === test[i]!.label).length / test.length;
        const key = `${v.name}\u0000${size}`;
        const r = results.get(key) ?? { accuracy: [], ms: [] };
        r.accuracy.push(accuracy);
        r.ms.push(ms);
        results.set(key, r);
        process.stderr.write(`seed ${seed}, ${size} annotations, ${v.name}: ${(100 * accuracy).toFixed(1)} % in ${(ms / 1000).toFixed(1)} s\n`);
      } finally {
        clf.dispose();
      }
    }
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`\nSpamAssassin, ${TEST_SIZE} held-out mails, seeds ${seeds.join(', ')}, TF.js ${getTfjsRuntime()?.backend} backend:\n`);
console.log('| variant | annotations | accuracy (min–max) | mean accuracy | mean training time |');
console.log('|---|---:|---:|---:|---:|');
for (const size of sizes) {
  for (const v of variants) {
    const r = results.get(`${v.name}\u0000${size}`)!;
    console.log(`| ${v.name} | ${size} | ${pct(Math.min(...r.accuracy))}–${pct(Math.max(...r.accuracy))} | ${pct(mean(r.accuracy))} | ${(mean(r.ms) / 1000).toFixed(1)} s |`);
  }
}
console.log(`\nAblation finished in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
