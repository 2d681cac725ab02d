import path from 'node:path';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { BullmqTrainingQueue } from './bullmq-training-queue.js';
import { SqliteTrainingQueue } from './sqlite-training-queue.js';
import type { TrainingQueue } from './training-job.js';

/** The queue named by `QUEUE`: `embedded` (default; in the SQLite state file) or `bullmq` (Redis). */
export function createTrainingQueue(
  config: Pick<ServerConfig, 'queue' | 'modelDir' | 'cacheType' | 'redisUrl'>,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): TrainingQueue {
  switch (config.queue) {
    case 'embedded':
    case 'sqlite':
      return new SqliteTrainingQueue({
        file: config.cacheType === 'memory' ? ':memory:' : path.join(config.modelDir, 'cache.db'),
        leaseMs: env.LSML_JOB_LEASE_MS ? Number(env.LSML_JOB_LEASE_MS) : undefined,
        logger,
      });
    case 'bullmq':
      return new BullmqTrainingQueue({
        redisUrl: config.redisUrl,
        lockMs: env.LSML_JOB_LEASE_MS ? Number(env.LSML_JOB_LEASE_MS) : undefined,
        stalledIntervalMs: env.LSML_JOB_STALLED_INTERVAL_MS ? Number(env.LSML_JOB_STALLED_INTERVAL_MS) : undefined,
        parallelJobs: env.LSML_PARALLEL_JOBS ? Number(env.LSML_PARALLEL_JOBS) : undefined,
        logger,
      });
    default:
      throw new Error(`Unknown QUEUE "${config.queue}": use embedded or bullmq`);
  }
}
