// apps/ocr under load, as `lsml start` serves it: images/s with 1 and 4 concurrent /predict clients
// (one image per request), character accuracy on rendered text and on scikit-image's page photo, and
// /health p99 while 4 clients keep the Tesseract pool busy.
// Baselines, measured in the same run: bare tesseract.js (`recognize(file)`, one worker, then one worker
// per core with 4 jobs at once) on the same images, for throughput and for the page photo's accuracy.
// Goals: 1 client ≥ 0.8× bare tesseract.js (1 worker; each measured twice, interleaved, best kept); 4 clients ≥ 0.8× bare tesseract.js with a
// scheduler of one worker per core running 4 jobs at once (what the app's pool is); rendered-text accuracy ≥ 95 %; page-photo accuracy ≥ 0.95× bare;
// /health p99 ≤ 20 ms. Exits non-zero on a miss. DURATION (s, default 8) per load phase.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { cannon, json, root, startLsml } from './lib.mjs';

const require = createRequire(path.join(root, 'apps/ocr/package.json'));
const sharp = require('sharp');
const Tesseract = require('tesseract.js');
const duration = Number(process.env.DURATION ?? 8);
const cores = os.availableParallelism();

const CONFIG = `<View><Image name="image" value="$ocr"/><RectangleLabels name="bbox" toName="image"><Label value="Text"/></RectangleLabels><TextArea name="transcription" toName="image" perRegion="true"/></View>`;
const LINES = [
  ['The quick brown fox jumps over the lazy dog.', 'Pack my box with five dozen liquor jugs.'],
  ['Invoice 2024-0117: total due 1,284.50 EUR', 'Payment within 30 days of receipt.'],
  ['Label Studio sends the drawn box to the backend,', 'which reads the text inside it and answers.'],
  ['Sphinx of black quartz, judge my vow.', 'How vexingly quick daft zebras jump!'],
];
const PAGE = path.join(root, 'apps/ocr/test/fixtures/page.png');
const PAGE_TRUTH = fs.readFileSync(path.join(root, 'apps/ocr/test/fixtures/page.txt'), 'utf8');

// Same rendering and metric as apps/ocr/test/render-text.ts (kept in plain JS here: bench scripts run
// without a TypeScript loader).
async function renderText(lines) {
  const escaped = lines.map((l) => l.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')).join('\n');
  const text = await sharp({ text: { text: `<span foreground="black">${escaped}</span>`, font: 'DejaVu Sans', dpi: 150, rgba: true } }).png().toBuffer();
  return sharp(text).flatten({ background: '#ffffff' }).extend({ top: 24, bottom: 24, left: 24, right: 24, background: '#ffffff' }).png().toBuffer();
}
function levenshtein(a, b) {
  const s = [...a];
  const t = [...b];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[t.length];
}
function accuracy(recognised, truth) {
  const norm = (s) => s.replace(/\s+/g, ' ').trim();
  const t = norm(truth);
  return Math.max(0, 1 - levenshtein(norm(recognised), t) / Math.max(1, [...t].length));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-bench-ocr-'));
const images = [];
for (const [i, lines] of LINES.entries()) {
  const file = path.join(dir, `rendered-${i}.png`);
  fs.writeFileSync(file, await renderText(lines));
  images.push({ file, truth: lines.join('\n') });
}

// Baseline: bare tesseract.js, one worker, the same files, sequentially.
const langPath = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
const worker = await Tesseract.createWorker('eng', 1, { langPath, gzip: true, cacheMethod: 'none' });
const pageBare = accuracy((await worker.recognize(PAGE)).data.text, PAGE_TRUTH);
const bareOne = async () => {
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < duration * 1000) {
    await worker.recognize(images[count % images.length].file);
    count += 1;
  }
  return count / ((performance.now() - start) / 1000);
};
// The 1-client rates are measured twice each, bare and lsml interleaved, best kept: on a shared host
// other load only ever makes a run slower, and one 8 s run of either varied by ±10 %.
const bareRates = [await bareOne()];
// Baseline at 4 concurrent: bare tesseract.js with a scheduler of one worker per core (the app's pool).
const scheduler = Tesseract.createScheduler();
for (let i = 0; i < cores; i++) scheduler.addWorker(await Tesseract.createWorker('eng', 1, { langPath, gzip: true, cacheMethod: 'none' }));
let bare4Count = 0;
const bare4Start = performance.now();
await Promise.all(
  Array.from({ length: 4 }, async (_, c) => {
    for (let k = c; performance.now() - bare4Start < duration * 1000; k += 4) {
      await scheduler.addJob('recognize', images[k % images.length].file);
      bare4Count += 1;
    }
  }),
);
const bare4Rate = bare4Count / ((performance.now() - bare4Start) / 1000);
await scheduler.terminate();

const server = await startLsml(path.join(root, 'apps/ocr/src/model.ts'));
const rows = [];
let failed = false;
try {
  const setup = await fetch(`${server.url}/setup`, json({ project: '1.1', schema: CONFIG, extra_params: null }));
  if (setup.status !== 200) throw new Error(`/setup answered ${setup.status}: ${await setup.text()}`);
  const predict = async (file, id) => {
    const res = await fetch(`${server.url}/predict`, json({ tasks: [{ id, data: { ocr: file } }], project: '1.1', label_config: CONFIG, params: { context: null } }));
    if (res.status !== 200) throw new Error(`/predict answered ${res.status}: ${await res.text()}`);
    const [prediction] = (await res.json()).results;
    return prediction.result.filter((r) => r.type === 'textarea').map((r) => r.value.text.join('\n')).join('\n');
  };

  // Accuracy through the backend (also warms the pool).
  const rendered = [];
  for (const [i, img] of images.entries()) rendered.push(accuracy(await predict(img.file, i + 1), img.truth));
  const renderedMin = Math.min(...rendered);
  const pageApp = accuracy(await predict(PAGE, 99), PAGE_TRUTH);

  const load = async (clients) => {
    let count = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let k = c; performance.now() - start < duration * 1000; k += clients) {
          await predict(images[k % images.length].file, k + 1);
          count += 1;
        }
      }),
    );
    return count / ((performance.now() - start) / 1000);
  };
  const ones = [await load(1)];
  bareRates.push(await bareOne());
  ones.push(await load(1));
  await worker.terminate();
  const one = Math.max(...ones);
  const bareRate = Math.max(...bareRates);
  console.error(`1 client: lsml ${ones.map((r) => r.toFixed(2)).join(', ')} images/s, bare ${bareRates.map((r) => r.toFixed(2)).join(', ')} images/s (best of each kept)`);
  const four = await load(4);
  // /health under the same 4-client load, in its own phase so that autocannon's CPU does not count
  // against the throughput above.
  const healthRun = cannon({ url: `${server.url}/health`, connections: 1, duration });
  await load(4);
  const health = await healthRun;

  const r2 = (n) => Math.round(n * 100) / 100;
  rows.push(
    { name: 'images/s, 1 client (vs bare tesseract.js, 1 worker; best of 2 each)', value: r2(one), baseline: r2(bareRate), ratio: r2(one / bareRate), goal: '≥ 0.8', met: one / bareRate >= 0.8 },
    { name: `images/s, 4 clients (vs bare tesseract.js, ${cores} workers, 4 jobs at once)`, value: r2(four), baseline: r2(bare4Rate), ratio: r2(four / bare4Rate), goal: '≥ 0.8', met: four / bare4Rate >= 0.8 },
    { name: 'character accuracy, rendered text (lowest of 4 images)', value: r2(renderedMin), baseline: 1, ratio: r2(renderedMin), goal: '≥ 0.95', met: renderedMin >= 0.95 },
    { name: 'character accuracy, page photo (vs bare tesseract.js on the file)', value: r2(pageApp), baseline: r2(pageBare), ratio: r2(pageApp / pageBare), goal: '≥ 0.95', met: pageApp / pageBare >= 0.95 },
    { name: '/health p99 ms during 4-client OCR', value: health.latency.p99, baseline: 20, ratio: r2(health.latency.p99 / 20), goal: '≤ 1 (20 ms)', met: health.latency.p99 <= 20 && health.non2xx === 0 },
  );
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
console.table(rows);
console.log(`SUMMARY ${JSON.stringify({ bench: 'ocr', rows })}`);
if (failed || rows.length === 0 || rows.some((r) => !r.met)) process.exit(1);
