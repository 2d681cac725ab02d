// ONNX adapter benchmark: backend({ runtime: onnxRuntime(...), head: choicesHead() }) with batching
// { maxBatchSize: 64, maxDelayMs: 0 } (the default delay; 64 rows so that a 64-task request is one
// session.run, like the raw baseline — with the default 32 it is two runs, each streaming the 134 MB of
// weights). Needs the built packages (npm run build).
//   P2: POST /predict with 64 tasks, end to end (HTTP, featurising, batching, result building,
//       validation), against raw session.run on the same 64 feature rows: overhead ratio, target <= 15 %.
//   P3: 32 concurrent clients sending single-task /predict, micro-batching on vs off: throughput ratio,
//       target >= 3x.
// Prints a table, then `SUMMARY {"bench":"onnx","rows":[...]}`; exits 1 when a target is missed.
// The model is a hashed bag-of-words MLP generated here with seeded weights (8192 → 4096 → 3, 134 MB, not
// committed): about 0.4 ms of CPU per task batched, light next to a transformer yet heavy enough that
// inference, not the fixed cost of an HTTP request, is what batching saves. Lighter models (--hidden
// 2048 halves the compute) show lower ratios: the HTTP path's ~1-2 ms per request stays. The P2 table
// splits the server's time so the adapter's own share is visible. Client and server share the machine.
// Usage: node bench/onnx/predict.mjs [--features 8192] [--hidden 4096] [--duration 5] [--max-batch 64]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { tsImport } from 'tsx/esm/api';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const FEATURES = arg('features', 8192);
const HIDDEN = arg('hidden', 4096);
const DURATION = arg('duration', 5);
const CLASSES = 3;
const TASKS = 64;
const CLIENTS = 32;
// The server's batching.maxBatchSize (default: one 64-task request = one run, like the raw baseline).
const MAX_BATCH = arg('max-batch', TASKS);

const { encodeModel } = await tsImport(path.join(root, 'scripts/onnx/onnx-writer.ts'), import.meta.url);
const { hashedBagOfWords, float32Rows } = await import('@lsml/onnx');
const { InferenceSession } = await import('onnxruntime-node');

// ---- model and inputs -----------------------------------------------------------------------------

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}
const rand = rng(42);
const weights = (n, scale) => Float32Array.from({ length: n }, () => rand() * scale);
const modelBytes = encodeModel({
  graph: {
    name: 'bench_classifier',
    nodes: [
      { op: 'MatMul', inputs: ['features', 'W1'], outputs: ['a'] },
      { op: 'Add', inputs: ['a', 'b1'], outputs: ['b'] },
      { op: 'Relu', inputs: ['b'], outputs: ['h'] },
      { op: 'MatMul', inputs: ['h', 'W2'], outputs: ['c'] },
      { op: 'Add', inputs: ['c', 'b2'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: { i: -1 } } },
    ],
    inputs: [{ name: 'features', type: 'float32', shape: ['batch', FEATURES] }],
    outputs: [{ name: 'probabilities', type: 'float32', shape: ['batch', CLASSES] }],
    initializers: [
      { name: 'W1', type: 'float32', dims: [FEATURES, HIDDEN], data: weights(FEATURES * HIDDEN, 0.2) },
      { name: 'b1', type: 'float32', dims: [HIDDEN], data: weights(HIDDEN, 0.01) },
      { name: 'W2', type: 'float32', dims: [HIDDEN, CLASSES], data: weights(HIDDEN * CLASSES, 0.2) },
      { name: 'b2', type: 'float32', dims: [CLASSES], data: new Float32Array(CLASSES) },
    ],
  },
});
const loadBefore = os.loadavg()[0];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-onnx-bench-'));
const modelFile = path.join(tmp, 'bench-classifier.onnx');
fs.writeFileSync(modelFile, modelBytes);

const WORDS = 'good great love excellent bad awful terrible hate fine okay package arrived product quality service order item price refund broken happy perfect'.split(' ');
const text = (i) => Array.from({ length: 8 + (i % 7) }, (_, k) => WORDS[(i * 31 + k * 17) % WORDS.length]).join(' ') + ` review${i}`;
const texts = Array.from({ length: TASKS }, (_, i) => text(i));
const labelConfig =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="negative"/><Choice value="neutral"/><Choice value="positive"/></Choices></View>';
const tasks = texts.map((t, i) => ({ id: i + 1, data: { text: t }, meta: {}, annotations: [], predictions: [], project: 1 }));
const predictBody = (taskList) =>
  JSON.stringify({ tasks: taskList, project: '1.1700000000', label_config: labelConfig, params: { login: null, password: null, context: null } });

// ---- helpers --------------------------------------------------------------------------------------

function startServer(batching) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'serve-classifier.mjs')], {
      env: { ...process.env, BENCH_MODEL: modelFile, BENCH_FEATURES: String(FEATURES), BENCH_BATCHING: batching ? 'on' : 'off', BENCH_MAX_BATCH: String(MAX_BATCH) },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
  });
}

function serverTiming({ child }, message = 'timing') {
  return new Promise((resolve) => {
    if (message === 'timing') child.once('message', resolve);
    child.send(message);
    if (message !== 'timing') resolve(undefined);
  });
}

async function stopServer({ child }) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

// node:http with keep-alive: a lighter client than fetch, so the client's own cost stays small.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---- P2: /predict with 64 tasks vs raw session.run -----------------------------------------------
// Raw runs and requests alternate in short windows and medians are compared, so that load from other
// processes on the machine hits both sides alike.

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const session = await InferenceSession.create(modelFile, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
const feeds = { features: float32Rows(texts.map((t) => hashedBagOfWords(t, FEATURES))) };
for (let i = 0; i < 5; i++) await session.run(feeds);

const batched = await startServer(true);
await post(`${batched.url}/setup`, JSON.stringify({ project: '1.1700000000', schema: labelConfig }));
const body64 = predictBody(tasks);
const first = await post(`${batched.url}/predict`, body64);
if (first.results.length !== TASKS) throw new Error(`expected ${TASKS} predictions, got ${first.results.length}`);
for (let i = 0; i < 20; i++) await post(`${batched.url}/predict`, body64);
await serverTiming(batched, 'reset');

const raw = [];
const e2e = [];
const windowMs = (DURATION * 1000) / 8;
for (let round = 0; round < 4; round++) {
  for (let start = performance.now(); performance.now() - start < windowMs; ) {
    const t = performance.now();
    await session.run(feeds);
    raw.push(performance.now() - t);
  }
  for (let start = performance.now(); performance.now() - start < windowMs; ) {
    const t = performance.now();
    await post(`${batched.url}/predict`, body64);
    e2e.push(performance.now() - t);
  }
}
await session.release();
const p2Timing = await serverTiming(batched);
const rawMs = median(raw);
const e2eMs = median(e2e);
const serverRunMs = median(p2Timing.run);
const predictMs = median(p2Timing.predict);
const overhead = e2eMs / rawMs - 1;

// ---- P3: 32 single-task clients, batching on vs off ------------------------------------------------

const singleRequests = tasks.slice(0, 16).map((t) => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: predictBody([t]) }));
async function throughput(server) {
  const opts = { url: server.url, connections: CLIENTS, requests: singleRequests };
  await cannon({ ...opts, duration: 1 });
  await serverTiming(server, 'reset');
  const r = await cannon({ ...opts, duration: DURATION });
  if (r.errors + r.non2xx > 0) throw new Error(`${r.errors} errors, ${r.non2xx} non-2xx responses`);
  const t = await serverTiming(server);
  // Requests per session.run: how much batching actually merged.
  r.perRun = t.predict.length / Math.max(1, t.run.length);
  r.runMs = median(t.run);
  return r;
}
const on = await throughput(batched);
await stopServer(batched);
const unbatched = await startServer(false);
await post(`${unbatched.url}/setup`, JSON.stringify({ project: '1.1700000000', schema: labelConfig }));
const off = await throughput(unbatched);
await stopServer(unbatched);
fs.rmSync(tmp, { recursive: true, force: true });

const ratio = on.requests.average / off.requests.average;
console.log(
  `\nONNX classifier bench: MLP ${FEATURES}→${HIDDEN}→${CLASSES} (${((FEATURES * HIDDEN * 4) / 1e6).toFixed(0)} MB of weights), ` +
    `1 intra-op thread, ${os.cpus().length} CPUs shared by client and server, ${DURATION}s per run, ` +
    `load average ${loadBefore.toFixed(1)} before / ${os.loadavg()[0].toFixed(1)} after (other processes skew every number)`,
);
console.table([
  { measure: `P2 raw session.run, 64 rows (${raw.length} runs)`, 'p50 ms': rawMs.toFixed(2) },
  { measure: `P2 POST /predict, 64 tasks (${e2e.length} requests)`, 'p50 ms': e2eMs.toFixed(2) },
  { measure: '   server: request in to response out', 'p50 ms': median(p2Timing.request).toFixed(2) },
  { measure: '   server: before predict() (parse, check request)', 'p50 ms': median(p2Timing.before).toFixed(2) },
  { measure: '   server: backend predict() (@lsml/onnx)', 'p50 ms': predictMs.toFixed(2) },
  { measure: '      of which session.run', 'p50 ms': serverRunMs.toFixed(2) },
  { measure: '   server: after predict() (validate, send)', 'p50 ms': median(p2Timing.after).toFixed(2) },
  { measure: `P3 ${CLIENTS} clients x 1 task, batching on`, 'req/s': Math.round(on.requests.average), 'p50 ms': on.latency.p50.toFixed(2), 'p99 ms': on.latency.p99, 'tasks/run': on.perRun.toFixed(1), 'run p50 ms': on.runMs.toFixed(2) },
  { measure: `P3 ${CLIENTS} clients x 1 task, batching off`, 'req/s': Math.round(off.requests.average), 'p50 ms': off.latency.p50.toFixed(2), 'p99 ms': off.latency.p99, 'tasks/run': off.perRun.toFixed(1), 'run p50 ms': off.runMs.toFixed(2) },
]);
console.log(`P2 /predict overhead over raw session.run: ${(overhead * 100).toFixed(1)} % (target <= 15 %: ${overhead <= 0.15 ? 'met' : 'NOT met'})`);
console.log(`P3 throughput with batching / without: ${ratio.toFixed(2)}x (target >= 3x: ${ratio >= 3 ? 'met' : 'NOT met'})`);
// Machine-readable rows for bench/run-all.mjs.
const { printSummary } = await import('../lib.mjs');
printSummary('onnx', [
  { name: 'P2 /predict vs raw session.run, 64 tasks', value: Number(e2eMs.toFixed(2)), unit: 'ms', baseline: Number(rawMs.toFixed(2)), ratio: Number((1 + overhead).toFixed(3)), goal: '≤ 1.15× raw session.run', met: overhead <= 0.15 },
  { name: `P3 ${CLIENTS} clients × 1 task, batching on vs off`, value: Math.round(on.requests.average), unit: 'req/s', baseline: Math.round(off.requests.average), ratio: Number(ratio.toFixed(3)), goal: '≥ 3× batching off', met: ratio >= 3 },
]);
