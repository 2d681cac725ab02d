// Child process of bench/onnx/predict.mjs: the ONNX classifier backend on an ephemeral port.
// Env: BENCH_MODEL (path), BENCH_FEATURES, BENCH_BATCHING ('on' | 'off'), BENCH_MAX_BATCH, BENCH_DELAY_MS.
import http from 'node:http';
import { createServer, MemoryStore } from '@lsml/core';
import { hashedBagOfWords, loadOnnxModel, onnxClassifier } from '@lsml/onnx';

const features = Number(process.env.BENCH_FEATURES);
const batching =
  process.env.BENCH_BATCHING === 'off'
    ? false
    : { maxBatchSize: Number(process.env.BENCH_MAX_BATCH ?? 64), maxDelayMs: Number(process.env.BENCH_DELAY_MS ?? 2) };

const Backend = onnxClassifier({
  name: 'BenchClassifier',
  model: process.env.BENCH_MODEL,
  labels: ['negative', 'neutral', 'positive'],
  // Writes each task's features straight into the batch buffer (no per-task allocation or copy).
  featurize: (text, _task, out) => hashedBagOfWords(text, features, { out }),
  // One inference thread: the load generator needs the other core.
  load: { intraOpNumThreads: 1, batching },
});

// Where the time of a request goes, for the parent's report: session.run and the backend's predict().
const timing = { run: [], predict: [], request: [], before: [], after: [] };
// Arrival of the latest request and end of the latest predict(): meaningful for one request at a time (P2).
let requestStart = 0;
let predictEnd = 0;
const predict = Backend.prototype.predict;
Backend.prototype.predict = async function (...args) {
  const start = performance.now();
  timing.before.push(start - requestStart);
  try {
    return await predict.apply(this, args);
  } finally {
    predictEnd = performance.now();
    timing.predict.push(performance.now() - start);
  }
};
// The backend's setup() gets this same shared model (same file and session options).
const shared = await loadOnnxModel(process.env.BENCH_MODEL, { intraOpNumThreads: 1, batching });
const run = shared.session.run.bind(shared.session);
shared.session.run = async (...args) => {
  const start = performance.now();
  try {
    return await run(...args);
  } finally {
    timing.run.push(performance.now() - start);
  }
};
process.on('message', (msg) => {
  if (msg === 'timing') process.send?.({ ...timing });
  if (msg === 'reset') Object.assign(timing, { run: [], predict: [], request: [], before: [], after: [] });
});

// Time each request inside the server, from its arrival to the last byte of the answer.
const createHttpServer = http.createServer;
http.createServer = (listener) =>
  createHttpServer((req, res) => {
    const start = performance.now();
    requestStart = start;
    res.once('finish', () => {
      timing.request.push(performance.now() - start);
      timing.after.push(performance.now() - predictEnd);
    });
    listener(req, res);
  });

const server = createServer(Backend, { store: new MemoryStore(), env: {}, logLevel: 'silent' });
const { url } = await server.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.once('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});
