// StateStore.keys(project, prefix): per-item state (one key per annotated task) read back without an
// index key. Same behaviour on every store, Redis included (a real redis-server).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, RedisStore, SqliteStore, type StateStore } from '@lsml/core';
import { HAS_REDIS, startRedis, type RedisInstance } from './helpers/redis-server.js';

let redis: RedisInstance | undefined;
beforeAll(async () => {
  if (HAS_REDIS) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop('SIGTERM');
});

const stores: Array<[string, () => StateStore]> = [
  ['memory', () => new MemoryStore()],
  ['sqlite', () => new SqliteStore({ modelDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-keys-')) })],
  ['redis', () => new RedisStore({ url: redis!.url, prefix: `t${Math.random().toString(36).slice(2)}` })],
];

describe.each(stores)('%s store keys()', (name, make) => {
  it.skipIf(name === 'redis' && !HAS_REDIS)('lists the keys of one project that start with the prefix, taken literally', async () => {
    const s = make();
    try {
      for (const k of ['example:1', 'example:2', 'example:10', 'examples', 'model_version', 'ex%ample:3', 'ex*:4']) await s.set('7', k, 'v');
      await s.set('8', 'example:99', 'v');
      expect((await s.keys!('7', 'example:')).sort()).toEqual(['example:1', 'example:10', 'example:2']);
      expect(await s.keys!('7', 'ex%')).toEqual(['ex%ample:3']);
      expect(await s.keys!('7', 'ex*')).toEqual(['ex*:4']);
      expect(await s.keys!('9', 'example:')).toEqual([]);
      await s.delete('7', 'example:2');
      expect((await s.keys!('7', 'example:')).sort()).toEqual(['example:1', 'example:10']);
    } finally {
      await s.close();
    }
  });
});
