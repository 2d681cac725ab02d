/**
 * Graceful shutdown of real `lsml start` processes: SIGTERM hands the running training job back to the
 * embedded (SQLite) queue without spending an attempt, the next process resumes it; with
 * LSML_SHUTDOWN_DELAY_MS, /ready answers 503 while the process drains and the port stays open.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteTrainingQueue } from '@lsml/core';
import { describe, expect, it } from 'vitest';
import { spawnBackend } from './helpers/spawn-backend.js';
import { annotationCreated, pollJob, postJson } from './helpers/training-requests.js';

const fixture = fileURLToPath(new URL('./fixtures/trainable.ts', import.meta.url));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-shutdown-'));

describe('SIGTERM', () => {
  it('hands the running training job back to the queue, and the next process resumes it', async () => {
    const modelDir = tmp();
    const a = await spawnBackend(fixture, { modelDir, env: { TRAIN_DELAY_MS: '20000' } });
    const { job } = (await (await postJson(`${a.url}/webhook`, annotationCreated(7, 1, 'Positive'))).json()) as { job: string };
    await pollJob(a.url, job, (s) => s.job_status === 'started');
    const stopped = Date.now();
    expect(await a.stop('SIGTERM')).toBe(0);
    // It did not wait for the 20 s of training.
    expect(Date.now() - stopped).toBeLessThan(10_000);
    expect(a.output()).toContain('Training job interrupted by shutdown; it will run again');

    // Between the processes the job waits in the queue, its attempt given back.
    const queue = new SqliteTrainingQueue({ file: path.join(modelDir, 'cache.db') });
    try {
      expect(await queue.getJob(job)).toMatchObject({ status: 'queued', attempts: 0, progress: 0 });
    } finally {
      await queue.close();
    }
    expect(fs.readdirSync(path.join(modelDir, '7')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    const b = await spawnBackend(fixture, { modelDir, env: { TRAIN_DELAY_MS: '100' } });
    try {
      const { body } = await pollJob(b.url, job, (s) => s.job_status === 'finished' || s.job_status === 'failed', 30_000);
      expect(body).toMatchObject({ job_status: 'finished', error: null, model_version: '0.1.0', attempts: 1 });
    } finally {
      await b.stop();
    }
  });

  it('answers /ready 503 during LSML_SHUTDOWN_DELAY_MS while still serving, then exits 0', async () => {
    const delayMs = 1500;
    const s = await spawnBackend(fixture, { env: { LSML_SHUTDOWN_DELAY_MS: String(delayMs) } });
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
    const sent = Date.now();
    const exited = s.stop('SIGTERM');
    let ready: Response | undefined;
    for (;;) {
      ready = await fetch(`${s.url}/ready`);
      if (ready.status === 503) break;
      await ready.arrayBuffer();
      if (Date.now() - sent > delayMs) throw new Error('/ready never answered 503 during the drain');
    }
    expect(await ready.json()).toMatchObject({ detail: expect.stringMatching(/shutting down/) });
    // Still open for traffic already routed here.
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    expect(Date.now() - sent).toBeLessThan(delayMs);
    expect(await exited).toBe(0);
    // The port closed only after the delay.
    expect(Date.now() - sent).toBeGreaterThanOrEqual(delayMs);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  });
});
