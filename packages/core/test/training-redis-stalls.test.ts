/**
 * BullMQ's stalled-job rule on real redis-server and real `lsml worker` processes: a job whose worker
 * dies runs again once; when its worker dies a second time the job ends `failed`, and /job_status says
 * why in words a user can act on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBackend } from './helpers/spawn-backend.js';
import { spawnWorker } from './helpers/spawn-worker.js';
import { annotationCreated, pollJob, postJson } from './helpers/training-requests.js';
import { HAS_REDIS, startRedis, type RedisInstance } from './helpers/redis-server.js';

const fixture = fileURLToPath(new URL('./fixtures/trainable.ts', import.meta.url));

describe.skipIf(!HAS_REDIS)('BullMQ: a job whose worker dies twice', () => {
  let redis: RedisInstance;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await redis?.stop('SIGTERM');
  });

  it('is failed with a clear error in /job_status, and the old version keeps serving', async () => {
    const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-stall-'));
    const env = {
      CACHE_TYPE: 'redis',
      QUEUE: 'bullmq',
      REDIS_URL: redis.url,
      LSML_JOB_LEASE_MS: '1500',
      LSML_JOB_STALLED_INTERVAL_MS: '500',
      TRAIN_DELAY_MS: '60000',
    };
    const server = await spawnBackend(fixture, { env, modelDir });
    cleanups.push(() => server.stop());
    const { job } = (await (await postJson(`${server.url}/webhook`, annotationCreated(7, 1, 'Positive'))).json()) as { job: string };

    for (let attempt = 1; attempt <= 2; attempt++) {
      const worker = await spawnWorker(fixture, env, modelDir);
      cleanups.push(() => worker.stop('SIGKILL'));
      await pollJob(server.url, job, (s) => s.job_status === 'started' && (s as { attempts?: number }).attempts === attempt, 30_000);
      await worker.stop('SIGKILL');
    }
    // A third worker finds the job stalled a second time: BullMQ fails it instead of running it again.
    const third = await spawnWorker(fixture, env, modelDir);
    cleanups.push(() => third.stop());
    const { body } = await pollJob(server.url, job, (s) => s.job_status === 'failed' || s.job_status === 'finished', 30_000);
    expect(body.job_status).toBe('failed');
    expect(body.error).toMatch(/^The worker stopped during training \(attempt 2 of 2\)/);
    expect(body.error).toMatch(/stalled/);
    expect(body).toMatchObject({ attempts: 2 });
    const setup = (await (await postJson(`${server.url}/setup`, { project: '7', schema: annotationCreated(7, 1, 'x').project.label_config })).json()) as { model_version: string };
    expect(setup.model_version).toBe('0.0.1');
  });
});
