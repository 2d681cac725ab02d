import { loadConfig, type ServerConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { BackendClass } from '../model/label-studio-ml-base.js';
import { ModelRegistry } from '../server/model-registry.js';
import { createStateStore } from '../state/create-state-store.js';
import { createTrainingQueue } from './create-training-queue.js';
import { createJobProcessor } from './run-training-job.js';

/**
 * A running `lsml worker` loop ({@link runWorker}): `close()` lets the current job go back to the queue and stops.
 */
export interface WorkerHandle {
  /** Stop taking jobs; a running job goes back to the queue. */
  close(): Promise<void>;
}

/**
 * `lsml worker`: run training jobs in a process of their own, sharing state, queue and `MODEL_DIR`
 * with the servers. SIGTERM aborts the running job (it goes back to the queue) and exits 0.
 */
export async function runWorker(
  ModelClass: BackendClass,
  overrides: Partial<ServerConfig> = {},
  options: { env?: NodeJS.ProcessEnv; handleSignals?: boolean } = {},
): Promise<WorkerHandle> {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<ServerConfig>;
  const config = loadConfig(defined, options.env);
  const logger = createLogger({ level: config.logLevel });
  const store = createStateStore(config);
  const queue = createTrainingQueue({ ...config, cacheType: store.kind }, logger, options.env);
  const registry = new ModelRegistry(ModelClass, { store, logger });
  queue.startWorker(createJobProcessor({ registry, modelDir: config.modelDir, logger, env: options.env }));
  logger.info({ queue: queue.kind, store: store.kind, model_class: ModelClass.name }, 'lsml worker ready');
  let closing: Promise<void> | undefined;
  const handle: WorkerHandle = {
    close: () =>
      (closing ??= (async () => {
        await queue.close();
        await registry.close();
        await store.close();
        logger.info('lsml worker stopped');
      })()),
  };
  if (options.handleSignals ?? true) {
    const stop = () => {
      handle.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }
  return handle;
}
