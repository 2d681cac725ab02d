import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';

/** Options of {@link createThreadPool}. */
export interface ThreadPoolOptions {
  /** Worker threads (default: CPU cores - 1, at least 1). */
  threads?: number;
  /** Tasks allowed to wait for a thread (default 1024); beyond that `run` rejects. */
  maxQueue?: number;
}

/** Worker threads running one module's functions (see {@link createThreadPool}). */
export interface ThreadPool {
  /** Run the worker module's default export (or `name`) with `input` on a worker thread. */
  run<T = unknown>(input: unknown, options?: { name?: string; signal?: AbortSignal }): Promise<T>;
  /** How many worker threads the pool runs. */
  readonly threads: number;
  /** Stop the worker threads (running tasks are rejected). */
  destroy(): Promise<void>;
}

/**
 * CPU-bound model code (plain-JS inference, feature extraction, TF.js on the cpu/wasm backends) blocks
 * the event loop, and with it `/health` and every other request. Move it to worker threads with this
 * pool (piscina). `.ts` worker modules work as the model file does: they are loaded through tsx.
 *
 *   const pool = createThreadPool(new URL('./heavy-work.ts', import.meta.url));
 *   const scores = await pool.run<number[]>({ texts });
 */
export function createThreadPool(file: string | URL, options: ThreadPoolOptions = {}): ThreadPool {
  const href = file instanceof URL ? file.href : file.startsWith('file:') ? file : pathToFileURL(file).href;
  const threads = Math.max(1, options.threads ?? Math.max(1, os.availableParallelism() - 1));
  // Each thread runs our small bootstrap (dist/thread-worker.js), which imports the user's module —
  // through tsx for `.ts`, as the model file was loaded.
  const piscina = new Piscina({
    filename: new URL('./thread-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    maxQueue: options.maxQueue ?? 1024,
  });
  return {
    threads,
    run: <T>(input: unknown, opts: { name?: string; signal?: AbortSignal } = {}) =>
      piscina.run({ file: href, name: opts.name, input }, opts.signal ? { signal: opts.signal } : {}) as Promise<T>,
    destroy: () => piscina.destroy(),
  };
}
