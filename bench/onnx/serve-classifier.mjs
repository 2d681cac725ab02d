// Child process of bench/onnx/predict.mjs: the ONNX classifier backend on an ephemeral port.
// Env: BENCH_MODEL (path), BENCH_FEATURES, BENCH_BATCHING ('on' | 'off'), BENCH_MAX_BATCH, BENCH_DELAY_MS.
import { createServer, MemoryStore } from '@lsml/core';
import { hashedBagOfWords, onnxClassifier } from '@lsml/onnx';

const features = Number(process.env.BENCH_FEATURES);
const batching =
  process.env.BENCH_BATCHING === 'off'
    ? false
    : { maxBatchSize: Number(process.env.BENCH_MAX_BATCH ?? 64), maxDelayMs: Number(process.env.BENCH_DELAY_MS ?? 2) };

const Backend = onnxClassifier({
  name: 'BenchClassifier',
  model: process.env.BENCH_MODEL,
  labels: ['negative', 'neutral', 'positive'],
  featurize: (text) => hashedBagOfWords(text, features),
  // One inference thread: the load generator needs the other core.
  load: { intraOpNumThreads: 1, batching },
});

const server = createServer(Backend, { store: new MemoryStore(), env: {}, logLevel: 'silent' });
const { url } = await server.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.once('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});
