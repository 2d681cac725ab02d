import type { ServerConfig } from '../config.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { StateStore } from './state-store.js';

/** The store named by `CACHE_TYPE`: `sqlite` (default, `MODEL_DIR/cache.db`), `memory` or `redis` (`REDIS_URL`). */
export function createStateStore(config: Pick<ServerConfig, 'cacheType' | 'modelDir' | 'redisUrl'>): StateStore {
  switch (config.cacheType) {
    case 'sqlite':
      return new SqliteStore({ modelDir: config.modelDir });
    case 'memory':
      return new MemoryStore();
    case 'redis':
      return new RedisStore({ url: config.redisUrl });
    default:
      throw new Error(`Unknown CACHE_TYPE "${config.cacheType}": use sqlite, memory or redis`);
  }
}
