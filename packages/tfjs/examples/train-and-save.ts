// The runtime on its own: train on labelled texts, score new ones, save a version and serve it again.
// Run it from the repository root (after `npx turbo run build`):
//   npx tsx packages/tfjs/examples/train-and-save.ts
import os from 'node:os';
import path from 'node:path';
import { tfjsRuntime } from '@lsml/tfjs';

const good = ['great', 'excellent', 'loved it', 'très bon', '😀'];
const bad = ['awful', 'terrible', 'broken', 'ужасно', '😡'];
const examples = Array.from({ length: 200 }, (_, i) => {
  const positive = i % 2 === 0;
  const word = (positive ? good : bad)[i % 5]!;
  return { input: { kind: 'text' as const, text: `The service was ${word} on day ${i}` }, labels: [positive ? 'Positive' : 'Negative'] };
});

const runtime = tfjsRuntime();
await runtime.load();
const metrics = await runtime.train(examples, { labels: ['Positive', 'Negative'], onProgress: (p, message) => console.log(`${p} % ${message}`) });
console.log('trained:', metrics);

const [out] = await runtime.run([{ kind: 'text', text: 'Food was excellent' }]);
console.log(out); // { kind: 'classes', classes: [{ label: 'Positive', score: 0.9… }, { label: 'Negative', score: 0.0… }] }

const dir = path.join(os.tmpdir(), 'tfjs-sentiment-v1');
await runtime.save(dir); // model.json + weights.bin (a TF.js Layers model) + vectorizer.json
const served = tfjsRuntime({ model: dir });
await served.load();
console.log(await served.run([{ kind: 'text', text: 'Totally broken 😡' }]));
await Promise.all([runtime.dispose(), served.dispose()]);
