export {
  MicroBatcher,
  QueueFullError,
  BatcherClosedError,
  type MicroBatcherOptions,
  type MicroBatcherStats,
} from './micro-batcher.js';
