import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';

/** Options of {@link createThreadPool}. */
export interface ThreadPoolOptions {
  /** Worker threads (default: CPU cores - 1, at least 1). */
  threads?: number;
  /** Tasks allowed to wait for a thread (default 1024); beyond that `run` rejects with {@link ThreadPoolFullError}. */
  maxQueue?: number;
  /**
   * Default time limit of one task in ms (none by default). A task still running then is stopped —
   * its thread is terminated and replaced, which is the only way to stop synchronous code — and `run`
   * rejects with {@link ThreadTaskTimeoutError}.
   */
  taskTimeoutMs?: number;
  /**
   * Niceness added to each worker thread on Linux (default: `LSML_THREAD_NICE`, else 10; 0 keeps the
   * process's priority). The threads then yield the CPU to the event loop, so `/health` and small
   * requests are answered promptly while the threads are saturated; alone on the CPU they run at full speed.
   */
  nice?: number;
}

/**
 * Tasks handed to one thread at a time: the one it runs and the next, which then starts as soon as the
 * first ends. With one, a thread sat idle after each task until the event loop (often busy parsing the
 * next request or page) handed it another: ~20 % of a bulk prediction job's model thread.
 */
const TASKS_PER_THREAD = 2;
/** Slots of the shared record of started tasks (a power of two; a slot is reused 65,536 tasks later). */
const STARTED_SLOTS = 1 << 16;
/** Tries of one task that fails only because its thread crashed while it waited there. */
const MAX_TRIES = 3;

/** The niceness worker threads get when neither the option nor `LSML_THREAD_NICE` says otherwise. */
export const DEFAULT_THREAD_NICE = 10;

function niceFrom(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const raw = option ?? (env.LSML_THREAD_NICE?.trim() ? Number(env.LSML_THREAD_NICE) : DEFAULT_THREAD_NICE);
  if (!Number.isInteger(raw) || raw < 0 || raw > 19) throw new RangeError(`thread niceness must be an integer from 0 to 19, got ${String(option ?? env.LSML_THREAD_NICE)}`);
  return raw;
}

/** Options of one `ThreadPool.run` call. */
export interface ThreadRunOptions {
  /** The export to call (default: the default export). */
  name?: string;
  /** Aborting it removes a waiting task, or terminates the thread running it. */
  signal?: AbortSignal;
  /** This task's time limit in ms; overrides the pool's `taskTimeoutMs`. */
  timeoutMs?: number;
}

/** A pool of worker threads running one worker module (piscina underneath). */
export interface ThreadPool {
  /** Run the worker module's default export (or `name`) with `input` on a worker thread. */
  run<T = unknown>(input: unknown, options?: ThreadRunOptions): Promise<T>;
  /** How many worker threads the pool runs. */
  readonly threads: number;
  /** Stop every thread; waiting and running tasks reject. */
  destroy(): Promise<void>;
}

/** `run` was called while `maxQueue` tasks were already waiting: back-pressure, try again later. */
export class ThreadPoolFullError extends Error {
  override name = 'ThreadPoolFullError';
}

/** A task ran past its time limit; its thread was terminated (and replaced). */
export class ThreadTaskTimeoutError extends Error {
  override name = 'ThreadTaskTimeoutError';
}

/**
 * CPU-bound model code (plain-JS inference, feature extraction, TF.js on the cpu/wasm backends) blocks
 * the event loop, and with it `/health` and every other request. Move it to worker threads with this
 * pool (piscina). `.ts` worker modules work as the model file does: they are loaded through tsx.
 *
 *   const pool = createThreadPool(new URL('./heavy-work.ts', import.meta.url));
 *   const scores = await pool.run<number[]>({ texts });
 *
 * A thread that crashes (uncaught exception, `process.exit`) fails only the task it was running, and is
 * replaced (a task that waited on that thread runs on another); a full queue rejects at once
 * ({@link ThreadPoolFullError}) instead of piling up work.
 */
export function createThreadPool(file: string | URL, options: ThreadPoolOptions = {}): ThreadPool {
  const href = file instanceof URL ? file.href : file.startsWith('file:') ? file : pathToFileURL(file).href;
  const threads = Math.max(1, options.threads ?? Math.max(1, os.availableParallelism() - 1));
  const maxQueue = options.maxQueue ?? 1024;
  const started = new Int32Array(new SharedArrayBuffer(4 * STARTED_SLOTS));
  let seq = 0;
  let destroyed = false;
  // A task handed to a thread behind the running one waits too: it counts against maxQueue (and with
  // fewer waiting places than threads, each thread holds only the task it runs).
  const perThread = maxQueue >= threads * (TASKS_PER_THREAD - 1) ? TASKS_PER_THREAD : 1;
  // Each thread runs our small bootstrap (dist/thread-worker.js), which imports the user's module —
  // through tsx for `.ts`, as the model file was loaded.
  const piscina = new Piscina({
    filename: new URL('./thread-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: perThread,
    maxQueue: maxQueue - threads * (perThread - 1),
    workerData: { nice: niceFrom(options.nice), started },
  });
  // A thread that crashes fails every task it holds. The one waiting behind the crashed one had not
  // started: it did nothing wrong and is run again. (A task that can be aborted or timed out — its
  // thread is then terminated, the only way to stop synchronous code — runs alone on its thread:
  // piscina hands no second task to a thread running one, nor one to a busy thread.)
  const diedWaiting = (err: unknown, id: number): boolean => err instanceof Error && Atomics.load(started, id & (STARTED_SLOTS - 1)) !== id;
  return {
    threads,
    async run<T>(input: unknown, opts: ThreadRunOptions = {}): Promise<T> {
      const timeoutMs = opts.timeoutMs ?? options.taskTimeoutMs;
      const timeout = timeoutMs !== undefined && timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
      const signals = [opts.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      for (let attempt = 1; ; attempt++) {
        const id = (seq = seq >= 0x7fffffff ? 1 : seq + 1);
        try {
          return (await piscina.run({ file: href, name: opts.name, input, seq: id }, signal ? { signal } : {})) as T;
        } catch (err) {
          if (timeout?.aborted && !opts.signal?.aborted) {
            throw new ThreadTaskTimeoutError(`thread task ${opts.name ?? 'default'} of ${href} ran longer than ${timeoutMs} ms; its thread was terminated`);
          }
          if (err instanceof Error && (err.message === 'Task queue is at limit' || err.message === 'No task queue available and all Workers are busy')) {
            throw new ThreadPoolFullError(`thread pool is full: ${maxQueue} tasks already wait for ${threads} thread(s)`);
          }
          if (!destroyed && !signal?.aborted && attempt < MAX_TRIES && diedWaiting(err, id)) continue;
          throw err;
        }
      }
    },
    destroy: () => {
      destroyed = true;
      return piscina.destroy();
    },
  };
}
