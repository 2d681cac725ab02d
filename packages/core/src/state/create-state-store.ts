import type { ServerConfig } from '../config.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { StateStore } from './state-store.js';

/** The store named by `CACHE_TYPE`: `sqlite` (default, `MODEL_DIR/cache.db`) or `memory`. */
export function createStateStore(config: Pick<ServerConfig, 'cacheType' | 'modelDir'>): StateStore {
  switch (config.cacheType) {
    case 'sqlite':
      return new SqliteStore({ modelDir: config.modelDir });
    case 'memory':
      return new MemoryStore();
    default:
      throw new Error(`Unknown CACHE_TYPE "${config.cacheType}": use sqlite or memory`);
  }
}
