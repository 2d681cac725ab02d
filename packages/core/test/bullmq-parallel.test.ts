/**
 * The BullMQ queue's parallel lane: jobs submitted with `parallel` (bulk prediction chunks) run side by
 * side in one worker (LSML_PARALLEL_JOBS), so the model is not idle between chunks; a training job never
 * overlaps them in the same process (it publishes a version into the instances they predict with).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqTrainingQueue } from '../src/training/bullmq-training-queue.js';
import type { TrainingEvent } from '../src/training/training-job.js';
import { HAS_REDIS, startRedis, type RedisInstance } from './helpers/redis-server.js';

const event = (name: string): TrainingEvent => ({ event: name, data: {}, receivedAt: new Date().toISOString() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!HAS_REDIS)('BullMQ parallel lane', () => {
  let redis: RedisInstance;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop('SIGTERM');
  });

  it('runs parallel jobs two at a time, and a training job alone', async () => {
    const queue = new BullmqTrainingQueue({ redisUrl: redis.url, prefix: 'lsml-parallel-test', parallelJobs: 2 });
    let parallelRunning = 0;
    let maxParallel = 0;
    let trainingRunning = false;
    let overlapped = false;
    queue.startWorker(async (job) => {
      if (job.projectId.startsWith('chunk')) {
        parallelRunning++;
        maxParallel = Math.max(maxParallel, parallelRunning);
        if (trainingRunning) overlapped = true;
        await sleep(150);
        parallelRunning--;
      } else {
        trainingRunning = true;
        if (parallelRunning > 0) overlapped = true;
        await sleep(150);
        if (parallelRunning > 0) overlapped = true;
        trainingRunning = false;
      }
      return { result: null, modelVersion: null };
    });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await queue.submit(`chunk:${i}`, null, event('CHUNK'), { parallel: true })).job!.id);
      ids.push((await queue.submit('7', null, event('START_TRAINING'))).job!.id);
      for (let i = 4; i < 6; i++) ids.push((await queue.submit(`chunk:${i}`, null, event('CHUNK'), { parallel: true })).job!.id);
      const deadline = Date.now() + 20_000;
      while ((await Promise.all(ids.map((id) => queue.getJob(id)))).some((j) => j?.status !== 'finished')) {
        if (Date.now() > deadline) throw new Error('jobs did not finish');
        await sleep(50);
      }
      expect(maxParallel).toBe(2);
      expect(overlapped).toBe(false);
      // /job_status lists every job in one round trip; both lanes are there.
      expect((await queue.listJobs()).filter((j) => ids.includes(j.id))).toHaveLength(7);
      expect(await queue.listJobs('7')).toHaveLength(1);
      // Listed again (the ended jobs' events now from memory): the same as read from Redis.
      const listed = await queue.listJobs();
      expect((await queue.listJobs()).map((j) => j.events)).toEqual(listed.map((j) => j.events));
      for (const j of listed) expect(j.events).toEqual((await queue.getJob(j.id))!.events);
    } finally {
      await queue.close();
    }
  });

  it('lists the events a waiting job gathers as they join it', async () => {
    // No worker: the job stays queued and coalesces the project's events.
    const queue = new BullmqTrainingQueue({ redisUrl: redis.url, prefix: 'lsml-parallel-test-2' });
    try {
      const first = (await queue.submit('9', null, event('ANNOTATION_CREATED'))).job!;
      expect((await queue.listJobs('9'))[0]!.events).toHaveLength(1);
      expect((await queue.submit('9', null, event('ANNOTATION_UPDATED'))).job!.id).toBe(first.id);
      expect((await queue.listJobs('9'))[0]!.events.map((e) => e.event)).toEqual(['ANNOTATION_CREATED', 'ANNOTATION_UPDATED']);
      // listJobs keeps the events it read: a join after that is still seen, also once the job has
      // started (events read while it was queued are checked against the list's length).
      expect((await queue.submit('9', null, event('ANNOTATION_DELETED'))).job!.id).toBe(first.id);
      let seen: string[] = [];
      queue.startWorker(async (job) => {
        seen = job.events.map((e) => e.event);
        return { result: null, modelVersion: null };
      });
      const deadline = Date.now() + 20_000;
      while ((await queue.getJob(first.id))!.status !== 'finished') {
        if (Date.now() > deadline) throw new Error('the job did not finish');
        await sleep(50);
      }
      const names = ['ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATION_DELETED'];
      expect(seen).toEqual(names);
      expect((await queue.listJobs('9'))[0]!.events.map((e) => e.event)).toEqual(names);
      expect((await queue.listJobs('9'))[0]!.events.map((e) => e.event)).toEqual(names);
    } finally {
      await queue.close();
    }
  });
});
