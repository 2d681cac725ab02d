// Child process of bench/onnx/predict.mjs: backend({ runtime: onnxRuntime(...), head: choicesHead() })
// on an ephemeral port.
// Env: BENCH_MODEL (path), BENCH_FEATURES, BENCH_BATCHING ('on' | 'off'), BENCH_MAX_BATCH, BENCH_DELAY_MS.
import http from 'node:http';
import { backend, choicesHead, createServer, MemoryStore } from '@lsml/core';
import { hashedBagOfWords, onnxRuntime } from '@lsml/onnx';

const features = Number(process.env.BENCH_FEATURES);
// The adapter's batching defaults (maxBatchSize 32, maxDelayMs 0) unless BENCH_MAX_BATCH / BENCH_DELAY_MS
// say otherwise (predict.mjs sets BENCH_MAX_BATCH=64).
const batching =
  process.env.BENCH_BATCHING === 'off'
    ? false
    : {
        ...(process.env.BENCH_MAX_BATCH ? { maxBatchSize: Number(process.env.BENCH_MAX_BATCH) } : {}),
        ...(process.env.BENCH_DELAY_MS ? { maxDelayMs: Number(process.env.BENCH_DELAY_MS) } : {}),
      };

const runtime = onnxRuntime({
  model: process.env.BENCH_MODEL,
  labels: ['negative', 'neutral', 'positive'],
  // Writes each task's features straight into the batch buffer (no per-task allocation or copy).
  featurize: (text, out) => hashedBagOfWords(text, features, { out }),
  // One inference thread: the load generator needs the other core.
  session: { intraOpNumThreads: 1 },
  batching,
});
const Backend = backend({ name: 'BenchClassifier', runtime, head: choicesHead() });

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
// The backend's setup() loads this same runtime (load() is idempotent), so its model is the one served.
await runtime.load();
const session = runtime.model.session;
const run = session.run.bind(session);
session.run = async (...args) => {
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
