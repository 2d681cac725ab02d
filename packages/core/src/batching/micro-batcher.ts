/**
 * Dynamic micro-batching, independent of any runtime: items pushed by concurrent callers are collected
 * for up to `maxDelayMs` (or until `maxBatchSize` are waiting), handed to one `runBatch` call, and each
 * caller gets its own result back. Model adapters put their `session.run` behind it so that Label
 * Studio's many single-task `/predict` calls become a few batched runs.
 */
import { LsmlError } from '../errors.js';

/** Options of {@link MicroBatcher}: how a batch runs and how large and late it may be. */
export interface MicroBatcherOptions<In, Out> {
  /**
   * Runs one batch (1..maxBatchSize items, oldest first) and returns one result per item, in order.
   * A throw or rejection fails every item of that batch; a wrong result count too.
   */
  runBatch: (items: In[]) => Promise<Out[]> | Out[];
  /** Most items in one `runBatch` call (default 32). */
  maxBatchSize?: number;
  /**
   * Longest an item waits for company before its batch is run (default 2 ms). `0` still merges the
   * items pushed in the same event-loop turn, as concurrent HTTP requests parsed together are.
   */
  maxDelayMs?: number;
  /** Most items waiting (not yet running); a push beyond it rejects with `QueueFullError` (default 4096). */
  maxQueueSize?: number;
  /**
   * `runBatch` calls allowed in flight at once (default 1). While they are busy, new items keep
   * queueing, so batches grow under load instead of queueing runs.
   */
  maxConcurrentBatches?: number;
}

/** Counters of a {@link MicroBatcher} since it was created (for metrics and tests). */
export interface MicroBatcherStats {
  /** `runBatch` calls started. */
  batches: number;
  /** Items handed to `runBatch`. */
  items: number;
  /** Largest batch so far. */
  largestBatch: number;
  /** Pushes refused because the queue was full. */
  rejected: number;
}

/** The queue was full; callers may answer 503 and let the client retry. */
export class QueueFullError extends LsmlError {
  constructor(readonly maxQueueSize: number) {
    super('queue_full', `MicroBatcher queue is full (${maxQueueSize} items waiting); retry later or raise maxQueueSize`, { status: 503 });
    this.name = 'QueueFullError';
  }
}

/** `close()` was called: nothing more is accepted. */
export class BatcherClosedError extends LsmlError {
  constructor() {
    super('batcher_closed', 'MicroBatcher is closed', { status: 503 });
    this.name = 'BatcherClosedError';
  }
}

interface Entry<In, Out> {
  item: In;
  enqueuedAt: number;
  resolve: (value: Out) => void;
  reject: (reason: unknown) => void;
}

/**
 * Groups single calls into batches: `run(item)` waits up to `maxDelayMs` for up to `maxBatchSize` items,
 * then hands them to one `runBatch` call, so a model runs one batched inference instead of many small ones.
 */
export class MicroBatcher<In, Out> {
  readonly maxBatchSize: number;
  readonly maxDelayMs: number;
  readonly maxQueueSize: number;
  readonly maxConcurrentBatches: number;

  private readonly runBatch: (items: In[]) => Promise<Out[]> | Out[];
  private queue: Array<Entry<In, Out>> = [];
  private running = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private closed = false;
  /** Set by flush/close: everything queued is due until the batcher is idle. */
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private readonly counters: MicroBatcherStats = { batches: 0, items: 0, largestBatch: 0, rejected: 0 };

  constructor(options: MicroBatcherOptions<In, Out>) {
    this.runBatch = options.runBatch;
    this.maxBatchSize = positiveInt(options.maxBatchSize ?? 32, 'maxBatchSize');
    this.maxDelayMs = options.maxDelayMs ?? 2;
    if (!(this.maxDelayMs >= 0) || !Number.isFinite(this.maxDelayMs)) throw new RangeError('MicroBatcher: maxDelayMs must be a finite number >= 0');
    this.maxQueueSize = positiveInt(options.maxQueueSize ?? 4096, 'maxQueueSize');
    this.maxConcurrentBatches = positiveInt(options.maxConcurrentBatches ?? 1, 'maxConcurrentBatches');
  }

  /** Queue one item; resolves with its own result once its batch has run. */
  push(item: In): Promise<Out> {
    if (this.closed) return Promise.reject(new BatcherClosedError());
    if (this.queue.length >= this.maxQueueSize) {
      this.counters.rejected++;
      return Promise.reject(new QueueFullError(this.maxQueueSize));
    }
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, enqueuedAt: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  /**
   * Queue several items at once (a `/predict` with many tasks). All or nothing: if they do not all fit,
   * none is queued. Results come back in the order given; the first failure rejects the whole call.
   */
  pushMany(items: readonly In[]): Promise<Out[]> {
    if (this.closed) return Promise.reject(new BatcherClosedError());
    if (this.queue.length + items.length > this.maxQueueSize) {
      this.counters.rejected += items.length;
      return Promise.reject(new QueueFullError(this.maxQueueSize));
    }
    const now = performance.now();
    const all = items.map(
      (item) =>
        new Promise<Out>((resolve, reject) => {
          this.queue.push({ item, enqueuedAt: now, resolve, reject });
        }),
    );
    this.schedule();
    return Promise.all(all);
  }

  /** Items waiting for a batch (not counting the ones running). */
  get pending(): number {
    return this.queue.length;
  }

  /** Batches running right now. */
  get inFlight(): number {
    return this.running;
  }

  get stats(): Readonly<MicroBatcherStats> {
    return { ...this.counters };
  }

  /** Run what is queued now without waiting for `maxDelayMs`; resolves when the batcher is idle. */
  async flush(): Promise<void> {
    this.draining = true;
    this.schedule();
    await this.idle();
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stop accepting items. Queued items still run (default) or, with `{ drain: false }`, are rejected
   * with `BatcherClosedError`. Resolves when nothing is running.
   */
  async close(options: { drain?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (options.drain === false) {
      const dropped = this.queue.splice(0);
      this.clearTimer();
      for (const e of dropped) e.reject(new BatcherClosedError());
    } else {
      this.draining = true;
      this.schedule();
    }
    await this.idle();
  }

  /** Start every batch that is due; `forced` batches start even if not full and not due (the timer's). */
  private schedule(forced = 0): void {
    let dispatched = false;
    while (this.queue.length > 0 && this.running < this.maxConcurrentBatches) {
      const oldest = this.queue[0] as Entry<In, Out>;
      const due =
        this.queue.length >= this.maxBatchSize || (this.maxDelayMs > 0 && performance.now() - oldest.enqueuedAt >= this.maxDelayMs);
      if (!due && forced <= 0 && !this.draining) break;
      forced--;
      this.dispatch();
      dispatched = true;
    }
    if (this.queue.length === 0 || this.running >= this.maxConcurrentBatches) {
      // No timer while every slot is busy: the end of a running batch reschedules.
      this.clearTimer();
    } else if (dispatched || this.timer === undefined) {
      // The timer tracks the oldest waiting item, which only changes when a batch leaves.
      this.clearTimer();
      const oldest = this.queue[0] as Entry<In, Out>;
      const wait = oldest.enqueuedAt + this.maxDelayMs - performance.now();
      const fire = () => {
        this.timer = undefined;
        this.schedule(1);
      };
      // setImmediate runs after this turn's I/O callbacks, so requests parsed together batch together.
      this.timer = wait <= 0 ? setImmediate(fire) : setTimeout(fire, Math.ceil(wait));
    }
    if (this.queue.length === 0 && this.running === 0) this.notifyIdle();
  }

  private dispatch(): void {
    const batch = this.queue.splice(0, this.maxBatchSize);
    this.running++;
    this.counters.batches++;
    this.counters.items += batch.length;
    if (batch.length > this.counters.largestBatch) this.counters.largestBatch = batch.length;
    const settle = (results: Out[] | undefined, error: unknown) => {
      if (error === undefined && (!Array.isArray(results) || results.length !== batch.length)) {
        error = new Error(
          `MicroBatcher: runBatch returned ${Array.isArray(results) ? `${results.length} results` : typeof results} for ${batch.length} items`,
        );
      }
      if (error !== undefined) {
        for (const e of batch) e.reject(error);
      } else {
        batch.forEach((e, i) => e.resolve((results as Out[])[i] as Out));
      }
      this.running--;
      this.schedule();
    };
    let result: Promise<Out[]> | Out[];
    try {
      result = this.runBatch(batch.map((e) => e.item));
    } catch (err) {
      // Settle on a later tick so a synchronous throw behaves like a rejection for every caller.
      queueMicrotask(() => settle(undefined, err ?? new Error('runBatch threw')));
      return;
    }
    Promise.resolve(result).then(
      (r) => settle(r, undefined),
      (err: unknown) => settle(undefined, err ?? new Error('runBatch rejected')),
    );
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    // Both kinds of handle are cleared by their own function; clearing with the wrong one is a no-op.
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private notifyIdle(): void {
    this.draining = this.closed;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`MicroBatcher: ${name} must be an integer >= 1 (got ${value})`);
  return value;
}
