import type { Logger } from 'pino';
import type { BackendClass, LabelStudioMLBase } from '../model/label-studio-ml-base.js';
import type { StateStore } from '../state/state-store.js';
import type { TrainingScheduler } from '../training/training-context.js';

/** What a model registry needs to create and keep model instances. */
export interface ModelRegistryOptions {
  /** The state store every instance reads and writes. */
  store: StateStore;
  /** The server's logger, handed to each instance. */
  logger: Logger;
  /** Schedules training jobs for instances (`fit()` in the background), when training is on. */
  scheduler?: TrainingScheduler;
  /** Most instances kept at once; the least recently used is dropped beyond it. */
  maxInstances?: number;
}

/**
 * A hold on one model instance: the instance is not disposed before `release()` is called, even if a
 * new label config replaces it or the LRU drops it meanwhile. `release()` is idempotent; call it once
 * the work that uses `model` has settled (not when a request timed out: the model may still be running).
 */
export interface ModelLease<T extends LabelStudioMLBase = LabelStudioMLBase> {
  /** The held instance. */
  readonly model: T;
  /** Give the hold back (idempotent). */
  release(): void;
}

/** Counts for tests and metrics: instances served, instances dropped but still held, leases out. */
export interface ModelRegistryStats {
  /** Instances in the registry (serving new requests). */
  live: number;
  /** Dropped instances (replaced or evicted) still held by a lease; disposed when the last one is released. */
  retiring: number;
  /** Leases not yet released, over live and retiring instances. */
  leases: number;
}

interface Entry<T> {
  readonly projectId: string;
  readonly labelConfig: string | null;
  readonly instance: Promise<T>;
  /** The instance once created: lets `tryAcquire` lease it without a promise. */
  created: T | undefined;
  /** Recency for the LRU (a counter, not Map order: re-inserting a key per request hashes the whole label config). */
  lastUsed: number;
  leases: number;
  /** Out of the map: no new lease can reach it; dispose once `leases` is 0. */
  dropped: boolean;
  disposed: boolean;
}

/**
 * One model instance per (project, label config), created on first use with `setup()` run once.
 * Concurrent first requests share one creation; a failed creation is not cached, so the next request
 * retries. A new label config for a project replaces that project's instance.
 *
 * Instances are handed out as leases (`acquire`), and a dropped instance (replaced, LRU-evicted, or the
 * registry closed) is disposed when its last lease is released — never on a timer, because a prediction
 * may run for `LSML_PREDICT_TIMEOUT_MS` and a training job for much longer.
 */
export class ModelRegistry<T extends LabelStudioMLBase = LabelStudioMLBase> {
  /**
   * Each project's serving entry: a new config replaces it, so one per project. Looked up by project and
   * its config compared, not hashed (a label config is kilobytes, hashed on every request otherwise).
   */
  private readonly entries = new Map<string, Entry<T>>();
  private clock = 0;
  /** Dropped entries whose dispose is waiting on leases (or running). */
  private readonly retiring = new Set<Entry<T>>();
  private readonly disposals = new Set<Promise<void>>();
  private readonly maxInstances: number;
  private closed = false;

  constructor(
    private readonly ModelClass: BackendClass<T>,
    private readonly options: ModelRegistryOptions,
  ) {
    this.maxInstances = Math.max(1, options.maxInstances ?? 256);
  }

  /**
   * Lease the instance for (project, label config), creating it on first use. A `null`/`undefined`
   * config reuses the project's current instance, whatever its config. Rejects with the creation's
   * error (e.g. a `LabelConfigError`); nothing is held then.
   */
  async acquire(projectId: string, labelConfig: string | null | undefined): Promise<ModelLease<T>> {
    const ready = this.tryAcquire(projectId, labelConfig);
    if (ready) return ready;
    if (this.closed) throw new Error('ModelRegistry is closed');
    const entry = this.entryFor(projectId, labelConfig);
    // Count the lease before awaiting, so an eviction while the instance is being created cannot dispose it.
    entry.leases++;
    let model: T;
    try {
      model = await entry.instance;
    } catch (err) {
      this.release(entry);
      throw err;
    }
    return this.lease(entry, model);
  }

  /**
   * The lease `acquire` would give, without a promise, when the instance for (project, config) already
   * exists; otherwise undefined (call `acquire`). The request path's fast path.
   */
  tryAcquire(projectId: string, labelConfig: string | null | undefined): ModelLease<T> | undefined {
    if (this.closed) return undefined;
    const entry = this.entries.get(projectId);
    if (!entry || entry.created === undefined || entry.dropped) return undefined;
    if (labelConfig != null && labelConfig !== entry.labelConfig) return undefined;
    entry.lastUsed = ++this.clock;
    entry.leases++;
    return this.lease(entry, entry.created);
  }

  private lease(entry: Entry<T>, model: T): ModelLease<T> {
    let released = false;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        this.release(entry);
      },
    };
  }

  /** Run `fn` with a leased instance and release it once `fn`'s promise settles. */
  async use<R>(projectId: string, labelConfig: string | null | undefined, fn: (model: T) => Promise<R> | R): Promise<R> {
    const lease = await this.acquire(projectId, labelConfig);
    try {
      return await fn(lease.model);
    } finally {
      lease.release();
    }
  }

  /** Every instance still serving (shutdown hooks and reloads); retiring ones are not included. */
  async all(): Promise<T[]> {
    const settled = await Promise.allSettled([...this.entries.values()].map((e) => e.instance));
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** See {@link ModelRegistryStats}. */
  stats(): ModelRegistryStats {
    let leases = 0;
    for (const e of this.entries.values()) leases += e.leases;
    for (const e of this.retiring) leases += e.leases;
    return { live: this.entries.size, retiring: this.retiring.size, leases };
  }

  /**
   * Drop every instance: the unleased ones are disposed now (awaited), the leased ones when their last
   * lease is released. Later `acquire` calls reject. Idempotent.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of [...this.entries.values()]) this.drop(entry);
    await Promise.allSettled([...this.disposals]);
  }

  /** Resolves once every disposal started so far (including those that waited on leases) has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.disposals]);
  }

  private entryFor(projectId: string, labelConfig: string | null | undefined): Entry<T> {
    const current = this.entries.get(projectId);
    if (current && !current.dropped && (labelConfig == null || labelConfig === current.labelConfig)) {
      current.lastUsed = ++this.clock;
      return current;
    }
    const instance = this.ModelClass.create({
      projectId,
      labelConfig: labelConfig ?? null,
      store: this.options.store,
      logger: this.options.logger,
      scheduler: this.options.scheduler,
    });
    const entry: Entry<T> = { projectId, labelConfig: labelConfig ?? null, instance, created: undefined, lastUsed: ++this.clock, leases: 0, dropped: false, disposed: false };
    // A new config replaces the project's instance.
    if (current) this.drop(current);
    this.entries.set(projectId, entry);
    instance.then(
      (model) => {
        entry.created = model;
      },
      () => {
        // A failed creation is not cached; there is nothing to dispose.
        if (this.entries.get(projectId) === entry) this.entries.delete(projectId);
        entry.dropped = true;
        entry.disposed = true;
        this.retiring.delete(entry);
      },
    );
    while (this.entries.size > this.maxInstances) {
      let oldest: Entry<T> | undefined;
      for (const e of this.entries.values()) if (!oldest || e.lastUsed < oldest.lastUsed) oldest = e;
      this.drop(oldest!);
    }
    return entry;
  }

  private release(entry: Entry<T>): void {
    entry.leases--;
    if (entry.dropped && entry.leases === 0) this.dispose(entry);
  }

  private drop(entry: Entry<T>): void {
    if (this.entries.get(entry.projectId) === entry) this.entries.delete(entry.projectId);
    if (entry.dropped) return;
    entry.dropped = true;
    if (entry.leases === 0) this.dispose(entry);
    else this.retiring.add(entry);
  }

  private dispose(entry: Entry<T>): void {
    if (entry.disposed) return;
    entry.disposed = true;
    this.retiring.add(entry);
    const done = entry.instance
      .then(
        (m) => m.dispose?.(),
        () => undefined,
      )
      .catch((err: unknown) => this.options.logger.warn({ err }, 'dispose() of a dropped model failed'))
      .finally(() => {
        this.retiring.delete(entry);
        this.disposals.delete(done);
      });
    this.disposals.add(done);
  }
}
