/**
 * Training on the embedded default: the queue lives in MODEL_DIR/cache.db beside the state, jobs run in
 * the server process, coalesced per project.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type LsmlServer } from '@lsml/core';
import { afterEach, describe, expect, it } from 'vitest';
import Trainable from './fixtures/trainable.js';
import { spawnBackend } from './helpers/spawn-backend.js';
import { lsTask } from '@lsml/core/testing';
import { annotationCreated, CHOICES_CONFIG, pollJob, postJson, startTraining } from './helpers/training-requests.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-train-'));
const running: LsmlServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(modelDir = tmp()) {
  const server = createServer(Trainable, { modelDir, env: {}, logLevel: 'silent' });
  running.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  return { server, url, modelDir };
}

const predictOnce = async (url: string, project = 7) =>
  (await (await postJson(`${url}/predict`, { tasks: [lsTask(1, { text: 'hello' }, project)], project: `${project}.1`, label_config: CHOICES_CONFIG, params: { context: null } })).json()) as {
    results: Array<{ model_version: string; result: Array<{ value: { choices: string[] } }> }>;
  };

describe('embedded training queue', () => {
  it('coalesces a burst of 200 annotation events into at most one running and one waiting job', async () => {
    // Training is held until the burst is over, so the bound holds however slow this machine is.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    class Gated extends Trainable {
      override async train(ctx: Parameters<Trainable['train']>[0]) {
        await gate;
        return super.train(ctx);
      }
    }
    const server = createServer(Gated, { modelDir: tmp(), env: {}, logLevel: 'silent' });
    running.push(server);
    const { url } = await server.listen(0, '127.0.0.1');
    const answers: Array<{ status: number; body: { result: { job: string }; job: string; status: string } }> = [];
    for (let batch = 0; batch < 10; batch++) {
      const bodies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => postJson(`${url}/webhook`, annotationCreated(7, batch * 20 + i + 1, 'Negative'))),
      );
      for (const r of bodies) answers.push({ status: r.status, body: (await r.json()) as never });
    }
    expect(answers.every((a) => a.status === 201 && a.body.status === 'ok' && a.body.job === a.body.result.job)).toBe(true);
    const jobs = await server.trainingQueue.listJobs('7');
    expect(jobs.map((j) => j.status).sort()).toEqual(['queued', 'started']);
    release();
    expect(new Set(answers.map((a) => a.body.job)).size).toBe(jobs.length);
    // Nothing is lost: every event landed in exactly one job.
    expect(jobs.reduce((n, j) => n + j.events.length, 0)).toBe(200);
    for (const j of jobs) await pollJob(url, j.id, (s) => s.job_status === 'finished');
    const trained = await predictOnce(url);
    expect(trained.results[0]!.result[0]!.value.choices).toEqual(['Negative']);
  });

  it('reports queued → started → finished with progress, then serves the new version everywhere', async () => {
    const { url } = await start();
    const before = (await (await postJson(`${url}/setup`, { project: '7.1', schema: CHOICES_CONFIG })).json()) as { model_version: string };
    expect(before.model_version).toBe('0.0.1');
    const res = await postJson(`${url}/webhook`, annotationCreated(7, 1, 'Neutral'));
    const { job } = (await res.json()) as { job: string };
    const first = (await (await postJson(`${url}/job_status`, { job })).json()) as { job_status: string };
    expect(['queued', 'started']).toContain(first.job_status);
    const { body, seen } = await pollJob(url, job, (s) => s.job_status === 'finished');
    expect(seen.at(-1)).toBe('finished');
    expect(seen).toContain('started');
    expect(body.progress).toBe(100);
    expect(body.model_version).toBe('0.1.0');
    const after = (await (await postJson(`${url}/setup`, { project: '7.1', schema: CHOICES_CONFIG })).json()) as { model_version: string };
    expect(after.model_version).toBe('0.1.0');
    const pred = await predictOnce(url);
    expect(pred.results[0]!.model_version).toBe('0.1.0');
    expect(pred.results[0]!.result[0]!.value.choices).toEqual(['Neutral']);
    const unknown = await postJson(`${url}/job_status`, { job: 'nope' });
    expect(unknown.status).toBe(404);
    const bad = await postJson(`${url}/job_status`, {});
    expect(bad.status).toBe(422);
  });

  it('switches to a new version without failing requests in flight', async () => {
    process.env.LOAD_DELAY_MS = '150';
    try {
      const { url } = await start();
      const first = (await (await postJson(`${url}/webhook`, annotationCreated(7, 1, 'Positive'))).json()) as { job: string };
      await pollJob(url, first.job, (s) => s.job_status === 'finished');
      let stop = false;
      const seen: Array<Array<[number, string, string]>> = [];
      const clients = Array.from({ length: 6 }, async (_, c) => {
        seen[c] = [];
        while (!stop) {
          const res = await postJson(`${url}/predict`, { tasks: [lsTask(1, { text: 'x' }, 7)], project: '7.1', label_config: CHOICES_CONFIG });
          const body = (await res.json()) as { results: Array<{ model_version: string; result: Array<{ value: { choices: string[] } }> }> };
          seen[c]!.push([res.status, body.results[0]!.model_version, body.results[0]!.result[0]!.value.choices[0]!]);
        }
      });
      const second = (await (await postJson(`${url}/webhook`, annotationCreated(7, 2, 'Negative'))).json()) as { job: string };
      await postJson(`${url}/webhook`, annotationCreated(7, 3, 'Negative'));
      await pollJob(url, second.job, (s) => s.job_status === 'finished');
      const after = await predictOnce(url);
      stop = true;
      await Promise.all(clients);
      const all = seen.flat();
      expect(all.length).toBeGreaterThan(20);
      expect(all.every(([status]) => status === 200)).toBe(true);
      // Each client sees the old version, then the new one, never back.
      for (const list of seen) {
        const versions = list.map(([, v]) => v);
        expect(versions.join(',')).toMatch(/^(0\.1\.0,)*(0\.1\.0|0\.2\.0)?(,0\.2\.0)*$/);
      }
      expect(after.results[0]!.model_version).toBe('0.2.0');
    } finally {
      delete process.env.LOAD_DELAY_MS;
    }
  });

  it('writes artifacts atomically under MODEL_DIR/<project>/<version>/ and stores train_output', async () => {
    const { url, modelDir, server } = await start();
    const { job } = (await (await postJson(`${url}/webhook`, startTraining(7))).json()) as { job: string };
    await pollJob(url, job, (s) => s.job_status === 'finished');
    expect(fs.readdirSync(path.join(modelDir, '7'))).toEqual(['0.1.0']);
    expect(JSON.parse(fs.readFileSync(path.join(modelDir, '7', '0.1.0', 'counts.json'), 'utf8'))).toEqual({});
    expect(JSON.parse((await server.store.get('7', 'train_output'))!)).toEqual({ examples: 0, events: 1, counts: {} });
  });

  it('keeps the previous version serving when training fails, with the error in job status', async () => {
    const { url, modelDir } = await start();
    const ok = (await (await postJson(`${url}/webhook`, annotationCreated(7, 1, 'Positive'))).json()) as { job: string };
    await pollJob(url, ok.job, (s) => s.job_status === 'finished');
    const bad = (await (await postJson(`${url}/webhook`, annotationCreated(7, 2, 'FAIL'))).json()) as { job: string };
    const { body } = await pollJob(url, bad.job, (s) => s.job_status === 'failed');
    expect((body as { error: string }).error).toBe('Error: bad labels: FAIL');
    const pred = await predictOnce(url);
    expect(pred.results[0]!.model_version).toBe('0.1.0');
    expect(pred.results[0]!.result[0]!.value.choices).toEqual(['Positive']);
    expect(fs.readdirSync(path.join(modelDir, '7'))).toEqual(['0.1.0']);
  });

  it('cancels a waiting job', async () => {
    const { url, server } = await start();
    process.env.TRAIN_DELAY_MS = '1000';
    try {
      const first = (await (await postJson(`${url}/webhook`, startTraining(8))).json()) as { job: string };
      await pollJob(url, first.job, (s) => s.job_status === 'started');
      const second = (await (await postJson(`${url}/webhook`, startTraining(8))).json()) as { job: string };
      expect(second.job).not.toBe(first.job);
      expect(await server.trainingQueue.cancel(second.job)).toBe(true);
      const { body } = await pollJob(url, second.job, (s) => s.job_status === 'failed');
      expect((body as { error: string }).error).toBe('Training was canceled');
      await pollJob(url, first.job, (s) => s.job_status === 'finished');
    } finally {
      delete process.env.TRAIN_DELAY_MS;
    }
  });

  it('counts annotations with trainEvery and skips until enough arrived', async () => {
    class Every3 extends Trainable {
      static override training = { trainEvery: 3 };
    }
    {
      const server = createServer(Every3, { modelDir: tmp(), env: {}, logLevel: 'silent' });
      running.push(server);
      const { url } = await server.listen(0, '127.0.0.1');
      const r1 = (await (await postJson(`${url}/webhook`, annotationCreated(9, 1, 'Positive'))).json()) as { result: { status: string; annotations_since_training: number } };
      expect(r1.result).toMatchObject({ status: 'skipped', annotations_since_training: 1, train_every: 3 });
      const bulk = { ...annotationCreated(9, 2, 'Positive', 'ANNOTATIONS_CREATED') };
      (bulk as { annotation: unknown }).annotation = [bulk.annotation, { ...bulk.annotation, id: 3 }];
      const r2 = (await (await postJson(`${url}/webhook`, bulk)).json()) as { result: { status: string; job: string } };
      expect(r2.result.status).toBe('scheduled');
      expect(typeof r2.result.job).toBe('string');
      // The skipped event was kept: the job trains on both deliveries (three annotations).
      const job = await server.trainingQueue.getJob(r2.result.job);
      expect(job!.events.map((e) => e.event)).toEqual(['ANNOTATION_CREATED', 'ANNOTATIONS_CREATED']);
      const { body } = await pollJob(url, r2.result.job, (s) => s.job_status === 'finished');
      expect((body as { result: { examples: number } }).result.examples).toBe(3);
    }
  });
});

describe('embedded queue across a crash', () => {
  const fixture = fileURLToPath(new URL('./fixtures/trainable.ts', import.meta.url));

  it('re-runs a job interrupted by kill -9 after restart, serving the old version meanwhile', async () => {
    const modelDir = tmp();
    const env = { TRAIN_DELAY_MS: '4000' };
    const a = await spawnBackend(fixture, { modelDir, env });
    const first = (await (await postJson(`${a.url}/webhook`, annotationCreated(7, 1, 'Positive'))).json()) as { job: string };
    await pollJob(a.url, first.job, (s) => s.job_status === 'finished', 30_000);
    const second = (await (await postJson(`${a.url}/webhook`, annotationCreated(7, 2, 'Negative'))).json()) as { job: string };
    await pollJob(a.url, second.job, (s) => s.job_status === 'started');
    await a.stop('SIGKILL');

    const b = await spawnBackend(fixture, { modelDir, env: { TRAIN_DELAY_MS: '200' } });
    try {
      // The old version serves while the interrupted job runs again.
      const served = await predictOnce(b.url);
      expect(served.results[0]!.model_version).toBe('0.1.0');
      expect(served.results[0]!.result[0]!.value.choices).toEqual(['Positive']);
      const { body } = await pollJob(b.url, second.job, (s) => s.job_status === 'finished', 30_000);
      expect((body as { attempts: number }).attempts).toBe(2);
      expect(body.model_version).toBe('0.2.0');
      // No torn artifact directories are left behind.
      expect(fs.readdirSync(path.join(modelDir, '7')).sort()).toEqual(['0.1.0', '0.2.0']);
    } finally {
      await b.stop();
    }
  });

  it('fails a job that was interrupted on its last attempt', async () => {
    const modelDir = tmp();
    const env = { TRAIN_DELAY_MS: '8000' };
    let s = await spawnBackend(fixture, { modelDir, env });
    const { job } = (await (await postJson(`${s.url}/webhook`, startTraining(7))).json()) as { job: string };
    for (let attempt = 1; attempt <= 2; attempt++) {
      await pollJob(s.url, job, (x) => x.job_status === 'started' && (x as { attempts: number }).attempts === attempt);
      await s.stop('SIGKILL');
      s = await spawnBackend(fixture, { modelDir, env });
    }
    try {
      const { body } = await pollJob(s.url, job, (x) => x.job_status === 'failed');
      expect((body as { error: string }).error).toMatch(/stopped during training \(attempt 2 of 2\)/);
      expect((await predictOnce(s.url)).results[0]!.model_version).toBe('0.0.1');
    } finally {
      await s.stop();
    }
  });
});
