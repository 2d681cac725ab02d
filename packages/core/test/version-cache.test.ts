/**
 * Model instances cache `model_version` and re-read it only when the store's change token moves. A
 * version switched in another process must still be served by every replica within 1 s: two real
 * `lsml start` processes on one SQLite MODEL_DIR, and on a real redis-server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lsTask } from '../src/testing/label-studio-objects.js';
import { CHOICES_CONFIG, annotationCreated, pollJob, postJson } from './helpers/training-requests.js';

const task = (id: number, text: string) => lsTask(id, { text }, 7);
import { HAS_REDIS, startRedis, type RedisInstance } from './helpers/redis-server.js';
import { spawnBackend, type SpawnedBackend } from './helpers/spawn-backend.js';

const fixture = fileURLToPath(new URL('./fixtures/trainable.ts', import.meta.url));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-vcache-'));

const servedVersion = async (url: string) => {
  const res = await postJson(`${url}/predict`, { tasks: [task(1, 'hello')], project: '7.1', label_config: CHOICES_CONFIG });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: Array<{ model_version: string }> }).results[0]!.model_version;
};

/** Poll until `url` serves `version`; resolves with the milliseconds it took. */
async function untilServed(url: string, version: string, limitMs = 3000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await servedVersion(url)) === version) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`${url} still serves the old version after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Keep an instance busy so its cached version is what it serves (no cold reads). */
async function warm(...urls: string[]) {
  for (const url of urls) for (let i = 0; i < 20; i++) expect(await servedVersion(url)).toBe('0.0.1');
}

const running: SpawnedBackend[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function pair(env: Record<string, string>, envA: Record<string, string> = {}) {
  const modelDir = tmp();
  const a = await spawnBackend(fixture, { modelDir, env: { ...env, ...envA } });
  running.push(a);
  const b = await spawnBackend(fixture, { modelDir, env });
  running.push(b);
  return { a, b, modelDir };
}

describe('a version switched in another process reaches every replica within 1 s', () => {
  it('on SQLite (two lsml start processes, one MODEL_DIR)', async () => {
    const { a, b, modelDir } = await pair({ TRAIN_DELAY_MS: '100' });
    await warm(a.url, b.url);
    const { job } = (await (await postJson(`${a.url}/webhook`, annotationCreated(7, 1, 'Negative'))).json()) as { job: string };
    await pollJob(a.url, job, (s) => s.job_status === 'finished');
    // Training ran in one of the two processes; both must serve its version promptly.
    for (const url of [a.url, b.url]) expect(await untilServed(url, '0.1.0')).toBeLessThan(1000);

    // A write by a plain SQLite client (another process's connection) is seen too.
    const db = new Database(path.join(modelDir, 'cache.db'));
    db.pragma('busy_timeout = 5000');
    db.prepare('INSERT OR REPLACE INTO cache (project_id, key, value) VALUES (?, ?, ?)').run('7', 'model_version', '5.0.0');
    db.close();
    for (const url of [a.url, b.url]) expect(await untilServed(url, '5.0.0')).toBeLessThan(1000);
  }, 60_000);

  describe.skipIf(!HAS_REDIS)('on Redis', () => {
    let redis: RedisInstance;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis?.stop('SIGTERM');
    });

    it('two lsml start processes; training in one, an unannounced write by another client', async () => {
      const env = { CACHE_TYPE: 'redis', QUEUE: 'bullmq', REDIS_URL: redis.url, TRAIN_DELAY_MS: '100' };
      // Only A runs training jobs: B learns of the new version through Redis.
      const { a, b } = await pair(env, { LSML_RUN_TRAINING: '1' });
      await warm(a.url, b.url);
      const { job } = (await (await postJson(`${b.url}/webhook`, annotationCreated(7, 1, 'Negative'))).json()) as { job: string };
      await pollJob(b.url, job, (s) => s.job_status === 'finished');
      for (const url of [a.url, b.url]) expect(await untilServed(url, '0.1.0')).toBeLessThan(1000);

      // A client that writes the hash without announcing it (another SDK, redis-cli).
      const client = new Redis(redis.url);
      await client.hset('lsml:state:7', 'model_version', '5.0.0');
      await client.quit();
      for (const url of [a.url, b.url]) expect(await untilServed(url, '5.0.0')).toBeLessThan(1000);
    }, 60_000);
  });
});
