// The design table of the README, measured: the app's runtime settings against one change at a time
// (bigrams, fewer hash buckets, stronger regularisation, no calibration), trained on the same
// SpamAssassin splits and scored on the same 1,000 held-out mails.
//
//   npm run ablation -w apps/text-classifier [-- --seeds 1,2,3 --sizes 100,200,500]
//
// Each variant trains a fresh `tfjsRuntime` (what the app serves) on the first N mails of the split's
// labelling pool, in random order, and is scored on the split's test mails. Prints one markdown row per
// (variant, annotations): accuracy over the seeds (min–max and mean) and the mean training time.
import { tfjsRuntime, type TfjsRuntimeSettings } from '@lsml/tfjs';
import { TEXT_CLASSIFIER_RUNTIME } from './model.js';
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

const argv = process.argv.slice(2);
const seeds = listArg(argv, '--seeds', '1,2,3');
const sizes = listArg(argv, '--sizes', '100,200,500');
// The app's own settings (model.ts), so this script cannot drift from them.
const app = TEXT_CLASSIFIER_RUNTIME;
const appVectorizer = app.vectorizer ?? {};

interface Variant {
  name: string;
  settings: TfjsRuntimeSettings;
}
const variants: Variant[] = [
  { name: 'app: unigrams, 2^18 buckets, C = 100, calibrated', settings: app },
  { name: 'unigrams + bigrams', settings: { ...app, vectorizer: { ...appVectorizer, ngramRange: [1, 2] } } },
  { name: '2^13 buckets', settings: { ...app, vectorizer: { ...appVectorizer, dims: 1 << 13 } } },
  { name: 'C = 10', settings: { ...app, c: 10 } },
  { name: 'no temperature calibration', settings: { ...app, calibrate: false } },
];

const corpus = loadMails();
const results = new Map<string, { accuracy: number[]; ms: number[] }>();
const started = performance.now();
for (const seed of seeds) {
  const mails = shuffled(corpus, seed);
  const test = mails.slice(0, TEST_SIZE);
  const pool = mails.slice(TEST_SIZE);
  const testInputs = test.map((m) => ({ kind: 'text' as const, text: m.text }));
  for (const size of sizes) {
    const examples = pool.slice(0, size).map((m) => ({ input: { kind: 'text' as const, text: m.text }, labels: [m.label] }));
    for (const v of variants) {
      const runtime = tfjsRuntime({ ...v.settings, warmStart: false });
      try {
        await runtime.load();
        const t0 = performance.now();
        await runtime.train(examples, { labels: LABELS });
        const ms = performance.now() - t0;
        const outputs = await runtime.run(testInputs);
        const best = (o: (typeof outputs)[number]) => [...o.classes].sort((a, b) => b.score - a.score)[0]?.label;
        const accuracy = outputs.filter((o, i) => best(o) === test[i]!.label).length / test.length;
        const key = `${v.name}\u0000${size}`;
        const r = results.get(key) ?? { accuracy: [], ms: [] };
        r.accuracy.push(accuracy);
        r.ms.push(ms);
        results.set(key, r);
        process.stderr.write(`seed ${seed}, ${size} annotations, ${v.name}: ${(100 * accuracy).toFixed(1)} % in ${(ms / 1000).toFixed(2)} s\n`);
      } finally {
        await runtime.dispose();
      }
    }
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`\nSpamAssassin, ${TEST_SIZE} held-out mails, seeds ${seeds.join(', ')}, tfjsRuntime (sparse L-BFGS):\n`);
console.log('| variant | annotations | accuracy (min–max) | mean accuracy | mean training time |');
console.log('|---|---:|---:|---:|---:|');
for (const size of sizes) {
  for (const v of variants) {
    const r = results.get(`${v.name}\u0000${size}`)!;
    console.log(`| ${v.name} | ${size} | ${pct(Math.min(...r.accuracy))}–${pct(Math.max(...r.accuracy))} | ${pct(mean(r.accuracy))} | ${(mean(r.ms) / 1000).toFixed(2)} s |`);
  }
}
console.log(`\nAblation finished in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
