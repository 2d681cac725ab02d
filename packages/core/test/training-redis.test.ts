/**
 * Scale-out: CACHE_TYPE=redis + QUEUE=bullmq with real redis-server, real `lsml start` servers and
 * `lsml worker` processes sharing MODEL_DIR.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBackend, type SpawnedBackend } from './helpers/spawn-backend.js';
import { lsTask } from '@lsml/core/testing';
import { annotationCreated, CHOICES_CONFIG, pollJob, postJson, startTraining } from './helpers/training-requests.js';
import { HAS_REDIS, startRedis, type RedisInstance } from './helpers/redis-server.js';
import { spawnWorker, type SpawnedWorker } from './helpers/spawn-worker.js';

const fixture = fileURLToPath(new URL('./fixtures/trainable.ts', import.meta.url));

const startWorker = (env: Record<string, string>, modelDir: string): Promise<SpawnedWorker> => spawnWorker(fixture, env, modelDir);

const predictOnce = async (url: string) =>
  (await (await postJson(`${url}/predict`, { tasks: [lsTask(1, { text: 'hello' }, 7)], project: '7.1', label_config: CHOICES_CONFIG })).json()) as {
    results: Array<{ model_version: string; result: Array<{ value: { choices: string[] } }> }>;
  };
const setupVersion = async (url: string) =>
  ((await (await postJson(`${url}/setup`, { project: '7.1', schema: CHOICES_CONFIG })).json()) as { model_version: string }).model_version;

describe.skipIf(!HAS_REDIS)('scale-out on Redis + BullMQ', () => {
  let redis: RedisInstance;
  let env: Record<string, string>;
  let modelDir: string;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    redis = await startRedis();
    modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-scale-'));
    env = {
      CACHE_TYPE: 'redis',
      QUEUE: 'bullmq',
      REDIS_URL: redis.url,
      LSML_JOB_LEASE_MS: '2000',
      LSML_JOB_STALLED_INTERVAL_MS: '1000',
      TRAIN_DELAY_MS: '300',
    };
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await redis?.stop('SIGTERM');
  });

  it('two servers and one worker agree on state and versions; bursts coalesce', async () => {
    const a = await spawnBackend(fixture, { env, modelDir });
    const b = await spawnBackend(fixture, { env, modelDir });
    cleanups.push(() => a.stop(), () => b.stop());
    expect(await setupVersion(a.url)).toBe('0.0.1');
    expect(await setupVersion(b.url)).toBe('0.0.1');
    // 200 events spread over both servers before any worker runs: one waiting job.
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => postJson(`${(i % 2 ? a : b).url}/webhook`, annotationCreated(7, i + 1, 'Negative')).then((r) => r.json() as Promise<{ job: string }>)),
    );
    const jobs = new Set(answers.map((x) => x.job));
    expect(jobs.size).toBe(1);
    const [job] = [...jobs] as [string];
    expect((await (await postJson(`${b.url}/job_status`, { job })).json()) as { job_status: string; events: number }).toMatchObject({ job_status: 'queued', events: 200 });

    const w = await startWorker(env, modelDir);
    cleanups.push(() => w.stop());
    const { body } = await pollJob(a.url, job, (s) => s.job_status === 'finished');
    expect(body.model_version).toBe('0.1.0');
    for (const s of [a, b]) {
      expect(await setupVersion(s.url)).toBe('0.1.0');
      const p = await predictOnce(s.url);
      expect(p.results[0]!.model_version).toBe('0.1.0');
      expect(p.results[0]!.result[0]!.value.choices).toEqual(['Negative']);
    }
    expect(fs.existsSync(path.join(modelDir, '7', '0.1.0', 'counts.json'))).toBe(true);
    await w.stop();
  });

  it('retries a job whose worker was killed -9, serving the old version meanwhile', async () => {
    const a = await spawnBackend(fixture, { env, modelDir });
    cleanups.push(() => a.stop());
    const slow = { ...env, TRAIN_DELAY_MS: '6000' };
    const w1 = await startWorker(slow, modelDir);
    const { job } = (await (await postJson(`${a.url}/webhook`, annotationCreated(7, 1000, 'Positive'))).json()) as { job: string };
    await pollJob(a.url, job, (s) => s.job_status === 'started');
    await w1.stop('SIGKILL');
    expect((await predictOnce(a.url)).results[0]!.model_version).toBe('0.1.0');
    const w2 = await startWorker(env, modelDir);
    cleanups.push(() => w2.stop());
    const { body } = await pollJob(a.url, job, (s) => s.job_status === 'finished', 30_000);
    expect((body as { attempts: number }).attempts).toBe(2);
    expect(await setupVersion(a.url)).toBe('0.2.0');
    await w2.stop();
  });

  it('loses no queued job when Redis restarts', async () => {
    const a = await spawnBackend(fixture, { env, modelDir });
    cleanups.push(() => a.stop());
    const { job } = (await (await postJson(`${a.url}/webhook`, startTraining(7))).json()) as { job: string };
    await redis.stop('SIGKILL');
    await redis.restart();
    const w = await startWorker(env, modelDir);
    cleanups.push(() => w.stop());
    const { body } = await pollJob(a.url, job, (s) => s.job_status === 'finished', 30_000);
    expect(body.model_version).toBe('0.3.0');
    expect(await setupVersion(a.url)).toBe('0.3.0');
  });
});

export type { SpawnedBackend };
