import type { Logger } from 'pino';
import type { BackendClass, LabelStudioMLBase } from '../model/label-studio-ml-base.js';
import type { StateStore } from '../state/state-store.js';
import type { TrainingScheduler } from '../training/training-context.js';

/** How long a dropped instance stays usable for requests already holding it. */
const RETIRE_GRACE_MS = 30_000;

export interface ModelRegistryOptions {
  store: StateStore;
  logger: Logger;
  scheduler?: TrainingScheduler;
  /** Most instances kept at once; the least recently used is dropped beyond it. */
  maxInstances?: number;
}

/**
 * One model instance per (project, label config), created on first use with `setup()` run once.
 * Concurrent first requests share one creation; a failed creation is not cached, so the next request
 * retries. A new label config for a project replaces that project's instance.
 */
export class ModelRegistry<T extends LabelStudioMLBase = LabelStudioMLBase> {
  private readonly instances = new Map<string, Promise<T>>();
  private readonly maxInstances: number;

  constructor(
    private readonly ModelClass: BackendClass<T>,
    private readonly options: ModelRegistryOptions,
  ) {
    this.maxInstances = options.maxInstances ?? 256;
  }

  /** The instance for `projectId` and `labelConfig`, created and set up on first use. */
  async get(projectId: string, labelConfig: string | null | undefined): Promise<T> {
    // A request without a config reuses the project's current instance, whatever its config.
    const key = labelConfig == null ? this.latestKey(projectId) ?? `${projectId}\u0000` : `${projectId}\u0000${labelConfig}`;
    const existing = this.instances.get(key);
    if (existing) {
      // Re-insert to keep Map order = recency for the LRU.
      this.instances.delete(key);
      this.instances.set(key, existing);
      return existing;
    }
    const created = this.ModelClass.create({
      projectId,
      labelConfig: labelConfig ?? null,
      store: this.options.store,
      logger: this.options.logger,
      scheduler: this.options.scheduler,
    });
    this.dropProject(projectId);
    this.instances.set(key, created);
    created.catch(() => {
      if (this.instances.get(key) === created) this.instances.delete(key);
    });
    while (this.instances.size > this.maxInstances) {
      const oldest = this.instances.keys().next().value as string;
      this.retire(this.instances.get(oldest)!);
      this.instances.delete(oldest);
    }
    return created;
  }

  /**
   * Release a dropped instance's resources (tensors, sessions) once requests that may still hold it
   * have had time to finish.
   */
  private retire(instance: Promise<T>): void {
    setTimeout(() => {
      instance.then((m) => m.dispose?.(), () => undefined).catch((err: unknown) => this.options.logger.warn({ err }, 'dispose() of a dropped model failed'));
    }, RETIRE_GRACE_MS).unref();
  }

  /** Every live instance (for shutdown hooks and reloads). */
  async all(): Promise<T[]> {
    const settled = await Promise.allSettled(this.instances.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** Forget every instance (they are not disposed). */
  clear(): void {
    this.instances.clear();
  }

  private latestKey(projectId: string): string | undefined {
    let found: string | undefined;
    for (const key of this.instances.keys()) if (key.startsWith(`${projectId}\u0000`)) found = key;
    return found;
  }

  private dropProject(projectId: string): void {
    for (const key of [...this.instances.keys()]) {
      if (!key.startsWith(`${projectId}\u0000`)) continue;
      this.retire(this.instances.get(key)!);
      this.instances.delete(key);
    }
  }
}
