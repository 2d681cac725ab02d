// One worker pool per (worker module, thread count), shared by every runtime of the process and
// destroyed when the last runtime using it is disposed.
import { createThreadPool, type ThreadPool } from '@lsml/core';

/** Acquire/release of the pools of one worker module. */
export interface SharedPools {
  acquire(threads: number | undefined): ThreadPool;
  release(threads: number | undefined): Promise<void>;
}

/** Pools of `workerUrl`; `onCreate` runs once per new pool (e.g. to warm its threads). */
export function sharedPools(workerUrl: URL, onCreate?: (pool: ThreadPool) => void): SharedPools {
  const pools = new Map<string, { pool: ThreadPool; refs: number }>();
  return {
    acquire(threads) {
      const key = String(threads ?? 'default');
      let entry = pools.get(key);
      if (!entry) {
        entry = { pool: createThreadPool(workerUrl, threads === undefined ? {} : { threads }), refs: 0 };
        pools.set(key, entry);
        onCreate?.(entry.pool);
      }
      entry.refs++;
      return entry.pool;
    },
    async release(threads) {
      const key = String(threads ?? 'default');
      const entry = pools.get(key);
      if (!entry) return;
      entry.refs--;
      if (entry.refs > 0) return;
      pools.delete(key);
      await entry.pool.destroy();
    },
  };
}
