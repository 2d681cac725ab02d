// Training: the job model, the context a backend's `fit()` gets, the two queues (SQLite embedded,
// BullMQ on redis), the job processor and the standalone worker, and the Label Studio API client the
// context uses to fetch annotations. Subpath entry `@lsml/core/training` (PROTOCOL.md §5.7).
export * from './training-job.js';
export * from './training-context.js';
export { SqliteTrainingQueue, type SqliteTrainingQueueOptions } from './sqlite-training-queue.js';
export { BullmqTrainingQueue, type BullmqTrainingQueueOptions } from './bullmq-training-queue.js';
export { createTrainingQueue } from './create-training-queue.js';
export { createJobProcessor, type JobProcessorOptions } from './run-training-job.js';
export { runWorker, type WorkerHandle } from './run-worker.js';
export {
  LabelStudioClient,
  LabelStudioApiError,
  type LabelStudioClientOptions,
  type TaskPageOptions,
} from '../label-studio/label-studio-client.js';
