// Protocol
export * from './protocol/types.js';
export { ModelResponse, normalizePredictions, type ModelResponseInit, type SerializedPrediction } from './protocol/model-response.js';

// Label config
export * from './label-config/index.js';

// Model
export {
  LabelStudioMLBase,
  isBackendClass,
  type BackendClass,
  type ModelInit,
  type PredictOptions,
  type PredictReturn,
} from './model/label-studio-ml-base.js';
export { defineBackend, type BackendDefinition } from './model/define-backend.js';
export { bumpVersion, INITIAL_MODEL_VERSION } from './model/model-version.js';

// State
export type { StateStore, MaybePromise } from './state/state-store.js';
export { MemoryStore } from './state/memory-store.js';
export { SqliteStore, type SqliteStoreOptions } from './state/sqlite-store.js';
export { createStateStore } from './state/create-state-store.js';
export { RedisStore, type RedisHashClient, type RedisStoreOptions, type RedisSubscriberClient } from './state/redis-store.js';

// Training
export * from './training/training-job.js';
export * from './training/training-context.js';
export { SqliteTrainingQueue, type SqliteTrainingQueueOptions } from './training/sqlite-training-queue.js';
export { BullmqTrainingQueue, type BullmqTrainingQueueOptions } from './training/bullmq-training-queue.js';
export { createTrainingQueue } from './training/create-training-queue.js';
export { createJobProcessor, type JobProcessorOptions } from './training/run-training-job.js';
export { runWorker, type WorkerHandle } from './training/run-worker.js';
export {
  LabelStudioClient,
  LabelStudioApiError,
  type LabelStudioClientOptions,
  type TaskPageOptions,
} from './label-studio/label-studio-client.js';

// Batching
export * from './batching/index.js';

// Media
export * from './media/index.js';

// Server
export { createServer, type CreateServerOptions, type LsmlServer } from './server/create-server.js';
export { serve, type ServeOptions } from './server/serve.js';
export { HttpError } from './server/http-errors.js';
export { runtimeMetrics, type RuntimeMetrics, type MetricLabels } from './server/runtime-metrics.js';
export { ModelRegistry, type ModelLease, type ModelRegistryOptions, type ModelRegistryStats } from './server/model-registry.js';
export { loadConfig, ENV_VARS, type ServerConfig } from './config.js';
export { createLogger, type Logger, type CreateLoggerOptions } from './logger.js';
export { loadBackend, CliError } from './cli/load-backend.js';
export { VERSION } from './version.js';

// Threads
export { createThreadPool, DEFAULT_THREAD_NICE, ThreadPoolFullError, ThreadTaskTimeoutError, type ThreadPool, type ThreadPoolOptions, type ThreadRunOptions } from './threads/thread-pool.js';
export { codePointSlice, toCodePointOffset, toUtf16Offset } from './protocol/text-offsets.js';

// Errors: one base class with a stable `code`
export { LsmlError, LabelConfigMismatchError, TaskInputError } from './errors.js';

// Label Studio object builders for tests (also `@lsml/core/testing`)
export * from './testing/index.js';

// The adapter contract: runtimes × task heads
export * from './contract/index.js';

// Task heads: Choices/Taxonomy, Labels spans, TextArea generation; RectangleLabels, KeyPointLabels, BrushLabels
export * from './heads/index.js';

// Label Studio brush RLE (BrushLabels `rle`), byte-identical to label-studio-converter
export { encodeRle, decodeRle, encodeRleValues, decodeRleValues, type DecodeRleOptions } from './label-config/brush-rle.js';
