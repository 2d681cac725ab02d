import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';

export interface ThreadPoolOptions {
  /** Worker threads (default: CPU cores - 1, at least 1). */
  threads?: number;
  /** Tasks allowed to wait for a thread (default 1024); beyond that `run` rejects. */
  maxQueue?: number;
}

export interface ThreadPool {
  /** Run the worker module's default export (or `name`) with `input` on a worker thread. */
  run<T = unknown>(input: unknown, options?: { name?: string; signal?: AbortSignal }): Promise<T>;
  readonly threads: number;
  destroy(): Promise<void>;
}

const requireHere = createRequire(import.meta.url);

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
  const isTs = /\.[cm]?tsx?$/.test(fileURLToPath(href));
  const threads = Math.max(1, options.threads ?? Math.max(1, os.availableParallelism() - 1));
  const piscina = new Piscina({
    filename: href,
    minThreads: threads,
    maxThreads: threads,
    maxQueue: options.maxQueue ?? 1024,
    // The model file was loaded through tsx; its worker modules need the same loader.
    execArgv: isTs ? [...process.execArgv, '--import', pathToFileURL(requireHere.resolve('tsx/esm')).href] : process.execArgv,
  });
  return {
    threads,
    run: <T>(input: unknown, opts: { name?: string; signal?: AbortSignal } = {}) => piscina.run(input, opts) as Promise<T>,
    destroy: () => piscina.destroy(),
  };
}
