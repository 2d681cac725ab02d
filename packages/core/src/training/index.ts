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
// Bulk prediction (pre-annotating a whole project) runs on the same queue and workers.
export {
  BULK_PREDICT_EVENT,
  bulkChunkOf,
  bulkStatus,
  cancelBulk,
  dedupeChunk,
  chunkQueueKey,
  listBulkStatuses,
  planBulkPredict,
  planAndSubmitBulk,
  planForTaskIds,
  runBulkChunk,
  submitBulkPlan,
  type BulkChunkPayload,
  type BulkChunkResult,
  type BulkPlan,
  type BulkPredictSpec,
  type BulkStatus,
  type BulkTaskFailure,
  type RunBulkChunkOptions,
} from '../bulk/bulk-predict.js';
export { formatBulkProgress, runBulkPredict, type RunBulkPredictOptions } from '../bulk/run-bulk-predict.js';
export {
  dataManagerQuery,
  hasPredictionOf,
  retryAfterMs,
  type LabelStudioPrediction,
  type PredictionWrite,
  type TaskFilter,
  type TaskListOptions,
  type TaskListPage,
} from '../label-studio/label-studio-client.js';
