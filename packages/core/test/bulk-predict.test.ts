/**
 * Pre-annotating a whole project: `POST /jobs/predict` → chunk jobs on the queue → predictions written
 * back through the Label Studio API. Label Studio is played by the stand-in from @lsml/core/testing
 * (there is no Label Studio server on CI machines); its in-memory store is what the tests assert on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, LabelStudioMLBase, type LsmlServer } from '@lsml/core';
import { startLabelStudioStandIn, type LabelStudioStandIn } from '@lsml/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bulkStatus, dedupeChunk, planAndSubmitBulk, planBulkPredict, runBulkChunk } from '../src/bulk/bulk-predict.js';
import { SqliteTrainingQueue } from '../src/training/sqlite-training-queue.js';
import { JobClaimLostError } from '../src/training/training-job.js';
import Database from 'better-sqlite3';
import { LabelStudioClient } from '../src/label-studio/label-studio-client.js';
import BulkClassifier from './fixtures/bulk-classifier.js';
import { createLogger } from '../src/logger.js';

const silent = createLogger({ level: 'silent' });
import { HAS_REDIS, startRedis, type RedisInstance } from './helpers/redis-server.js';
import { spawn } from 'node:child_process';
import { CLI, spawnBackend } from './helpers/spawn-backend.js';
import { spawnWorker } from './helpers/spawn-worker.js';
import { CHOICES_CONFIG } from './helpers/training-requests.js';

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

const fixture = fileURLToPath(new URL('./fixtures/bulk-classifier.ts', import.meta.url));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-bulk-'));

interface BulkStatusBody {
  job_status: string;
  done: number;
  total: number;
  written: number;
  skipped: number;
  failed: number;
  failed_tasks: Array<{ task: number; error: string }>;
  rate: number;
  eta_s: number | null;
  chunks_done: number;
  chunks: number;
}

async function pollBulk(url: string, job: string, until: (s: BulkStatusBody) => boolean, timeoutMs = 60_000, headers: Record<string, string> = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await postJson(`${url}/job_status`, { job }, headers);
    const body = (await res.json()) as BulkStatusBody;
    if (until(body)) return body;
    if (Date.now() > deadline) throw new Error(`bulk job ${job} stuck: ${JSON.stringify(body).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every task of the project has exactly one prediction of `version`, except `except`. */
function expectExactlyOne(ls: LabelStudioStandIn, project: number, version: string, except: number[] = []) {
  const counts = ls.predictionCounts(project, version);
  const wrong = [...counts].filter(([task, n]) => n !== (except.includes(task) ? 0 : 1));
  expect(wrong.slice(0, 10)).toEqual([]);
}

function seedProject(ls: LabelStudioStandIn, project: number, n: number) {
  ls.labelConfigs.set(project, CHOICES_CONFIG);
  return ls.addTasks(project, n, (id) => ({ text: `task number ${id}` }));
}

describe('bulk prediction on the embedded queue', () => {
  let ls: LabelStudioStandIn;
  const servers: LsmlServer[] = [];
  beforeAll(async () => {
    ls = await startLabelStudioStandIn();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await ls.close();
  });
  const start = async (extra: Record<string, string> = {}) => {
    const server = createServer(BulkClassifier, {
      modelDir: tmp(),
      env: { LABEL_STUDIO_URL: ls.url, LABEL_STUDIO_API_KEY: 'test-token' },
      logLevel: 'silent',
      ...extra,
    });
    servers.push(server);
    return (await server.listen(0, '127.0.0.1')).url;
  };

  it('pre-annotates 2,000 tasks: one prediction each, failures listed by task id, progress reported', async () => {
    const ids = seedProject(ls, 1, 2000);
    const boom = ids[123]!;
    const bad = ids[1500]!;
    ls.tasks.get(boom)!.data = { text: 'BOOM' };
    ls.tasks.get(bad)!.data = { text: 'BAD' };
    ls.faults.tooManyRequests = 3;
    ls.faults.slowPageMs = 5;
    const url = await start({ basicAuthUser: 'u', basicAuthPass: 'p' });
    const auth = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };
    expect((await postJson(`${url}/jobs/predict`, { project: 1 })).status).toBe(401);
    expect((await postJson(`${url}/jobs/predict`, { project: 'x' }, auth)).status).toBe(422);
    const res = await postJson(`${url}/jobs/predict`, { project: 1, batch: 64, chunk_size: 250 }, auth);
    expect(res.status).toBe(201);
    const queued = (await res.json()) as { job: string; total: number; chunks: number };
    expect(queued).toMatchObject({ total: 2000, chunks: 8 });
    const midway = await pollBulk(url, queued.job, (s) => s.done > 0, 60_000, auth);
    expect(midway.total).toBe(2000);
    const done = await pollBulk(url, queued.job, (s) => s.job_status === 'finished', 60_000, auth);
    expect(done).toMatchObject({ done: 2000, written: 1998, skipped: 0, failed: 2, chunks_done: 8 });
    expect(done.failed_tasks.map((f) => f.task).sort((a, b) => a - b)).toEqual([boom, bad]);
    expect(done.failed_tasks.find((f) => f.task === bad)!.error).toMatch(/label config/);
    expect(done.rate).toBeGreaterThan(0);
    const metrics = await (await fetch(`${url}/metrics?format=prometheus`, { headers: auth })).text();
    expect(metrics).toContain(`lsml_bulk_predict_tasks{job="${queued.job}",state="done"} 2000`);
    expect(metrics).toContain(`lsml_bulk_predict_tasks{job="${queued.job}",state="failed"} 2`);
    expectExactlyOne(ls, 1, '0.0.1', [boom, bad]);
    // Planning asked for ids only (Label Studio's `include`), not every task's data.
    const planning = ls.requests.filter((r) => r.startsWith('GET /api/tasks/?project=1&') && !r.includes('query='));
    expect(planning.length).toBeGreaterThan(0);
    expect(planning.every((r) => r.includes('include=id'))).toBe(true);
    const idsOnly = await new LabelStudioClient({ url: ls.url, apiKey: 'test-token' }).listTasks(1, { fields: 'task_only', include: ['id'], pageSize: 3 });
    expect(idsOnly.tasks).toEqual([{ id: ids[0] }, { id: ids[1] }, { id: ids[2] }]);
    expect(ls.predictionsOf(ids[0]!, '0.0.1')[0]!.result[0]).toMatchObject({ value: { choices: [expect.any(String)] } });

    // A second run with only_missing plans just the two failed tasks and writes nothing twice.
    const again = (await (await postJson(`${url}/jobs/predict`, { project: 1, only_missing: true }, auth)).json()) as { job: string; total: number };
    expect(again.total).toBe(2);
    await pollBulk(url, again.job, (s) => s.job_status === 'finished', 30_000, auth);
    expectExactlyOne(ls, 1, '0.0.1', [boom, bad]);
  });

  it('TASKS_CREATED (opt-in) queues the new tasks at once and pre-annotates them', async () => {
    class OptedIn extends BulkClassifier {
      static override predictOnTasksCreated = true;
    }
    const server = createServer(OptedIn, { modelDir: tmp(), env: { LABEL_STUDIO_URL: ls.url, LABEL_STUDIO_API_KEY: 'test-token' }, logLevel: 'silent' });
    servers.push(server);
    const { url } = await server.listen(0, '127.0.0.1');
    const ids = seedProject(ls, 4, 120);
    const t0 = Date.now();
    const res = await postJson(`${url}/webhook`, { action: 'TASKS_CREATED', project: { id: 4, label_config: CHOICES_CONFIG }, tasks: ids.map((id) => ({ id })) });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(res.status).toBe(201);
    const { job } = (await res.json()) as { job: string };
    await pollBulk(url, job, (s) => s.job_status === 'finished');
    expectExactlyOne(ls, 4, '0.0.1');
    // Without the opt-in the event is only acknowledged.
    const plain = await start();
    expect(await (await postJson(`${plain}/webhook`, { action: 'TASKS_CREATED', project: { id: 4, label_config: CHOICES_CONFIG }, tasks: [{ id: ids[0] }] })).json()).toEqual({ status: 'Unknown event' });
  });

  it('a chunk overlaps fetch, predict and write-back and still writes each task once, with bounded requests', async () => {
    const ids = seedProject(ls, 6, 1000);
    let inFlight = 0;
    let maxInFlight = 0;
    // predict() takes a moment, so that overlapping calls are visible.
    class Slow extends BulkClassifier {
      override async predict(tasks: Parameters<BulkClassifier['predict']>[0]) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await new Promise((r) => setTimeout(r, 2));
          return await super.predict(tasks);
        } finally {
          inFlight--;
        }
      }
    }
    const model: LabelStudioMLBase = await Slow.create({ projectId: '6', labelConfig: CHOICES_CONFIG, logger: silent });
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
    const progress: Array<[number, number]> = [];
    const seen = ls.requests.length;
    const payload = { bulkJob: 'bulk-p', index: 0, chunks: 1, project: 6, taskIds: ids, batch: 50 };
    const first = await runBulkChunk(model, client, payload, { fetchPage: 100, writeBatch: 300, predictAhead: 2, progressIntervalMs: 0, onProgress: (h, t) => void progress.push([h, t]) });
    expect(first).toMatchObject({ written: 1000, skipped: 0, failed: [] });
    expectExactlyOne(ls, 6, first.modelVersion);
    expect(maxInFlight).toBe(2);
    const requests = ls.requests.slice(seen);
    expect(requests.filter((r) => r.startsWith('GET /api/tasks/'))).toHaveLength(10);
    // 1000 predictions in requests of at most 300: 4 writes, not one per batch of 50.
    expect(requests.filter((r) => r.startsWith('POST /api/projects/6/import/predictions'))).toHaveLength(4);
    // Progress follows confirmed writes, only grows, and ends at the chunk's size.
    expect(progress.at(-1)).toEqual([1000, 1000]);
    expect(progress.every(([h], i) => i === 0 || h > progress[i - 1]![0])).toBe(true);
    expect(progress.length).toBeGreaterThan(1);

    // Throttled: with a long interval the only report is the final count.
    const quiet: Array<[number, number]> = [];
    const again = await runBulkChunk(model, client, payload, { progressIntervalMs: 60_000, onProgress: (h, t) => void quiet.push([h, t]) });
    expect(again).toMatchObject({ written: 0, skipped: 1000 });
    expect(quiet).toEqual([[1000, 1000]]);
  });

  it('a chunk that fails mid-way fails only once no write is on its way; a rerun writes the rest once', async () => {
    const ids = seedProject(ls, 7, 400);
    const model: LabelStudioMLBase = await BulkClassifier.create({ projectId: '7', labelConfig: CHOICES_CONFIG, logger: silent });
    let gets = 0;
    let pendingWrites = 0;
    const fetchImpl: typeof fetch = async (input, init) => {
      if (init?.method !== 'POST') {
        // The third page cannot be read (Label Studio went away).
        if (++gets === 3) throw new TypeError('connection reset');
        return fetch(input, init);
      }
      pendingWrites++;
      try {
        // Writes take a while, so one is on its way when the page read fails.
        await new Promise((r) => setTimeout(r, 50));
        return await fetch(input, init);
      } finally {
        pendingWrites--;
      }
    };
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token', fetch: fetchImpl, maxRetries: 0 });
    const payload = { bulkJob: 'bulk-w', index: 0, chunks: 1, project: 7, taskIds: ids, batch: 20 };
    await expect(runBulkChunk(model, client, payload, { fetchPage: 100, writeBatch: 40 })).rejects.toThrow(/connection reset/);
    expect(pendingWrites).toBe(0);
    const written = [...ls.predictionCounts(7, model.modelVersion).values()].filter((n) => n > 0).length;
    expect(written).toBeGreaterThan(0);
    // A rerun (the queue's retry) skips what was written and writes the rest, each task once.
    const rerun = await runBulkChunk(model, new LabelStudioClient({ url: ls.url, apiKey: 'test-token' }), payload);
    expect(rerun).toMatchObject({ skipped: written, written: 400 - written, failed: [] });
    expectExactlyOne(ls, 7, rerun.modelVersion);
  });

  it('planning reads pages a few at a time and keeps them in order', async () => {
    const ids = seedProject(ls, 8, 1050);
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
    ls.faults.slowPageMs = 40;
    const seen = ls.requests.length;
    const t0 = Date.now();
    const plan = await planBulkPredict(client, { project: 8, chunkSize: 100, batch: 10 }, undefined);
    const elapsed = Date.now() - t0;
    ls.faults.slowPageMs = 0;
    expect(plan.total).toBe(1050);
    expect(plan.chunks.map((c) => c.taskIds.length)).toEqual([...Array(10).fill(100), 50]);
    expect(plan.chunks.flatMap((c) => c.taskIds)).toEqual(ids);
    expect(plan.chunks.every((c, i) => c.index === i && c.chunks === 11)).toBe(true);
    expect(ls.requests.slice(seen).filter((r) => r.startsWith('GET /api/tasks/'))).toHaveLength(11);
    // 11 slow pages one after another take 440 ms or more.
    expect(elapsed).toBeLessThan(400);
  });

  it('submits chunks as their pages are read (not with a filter), and cancels them if listing fails', async () => {
    const ids = seedProject(ls, 10, 1000);
    const queue = new SqliteTrainingQueue({ file: ':memory:', logger: silent });
    // Where the stand-in's request log stood at each submit.
    const submittedAt: number[] = [];
    const submit = queue.submit.bind(queue);
    queue.submit = (...args) => {
      submittedAt.push(ls.requests.length);
      return submit(...args);
    };
    try {
      const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
      ls.faults.slowPageMs = 10;
      let seen = ls.requests.length;
      const plan = await planAndSubmitBulk(queue, client, { project: 10, chunkSize: 100, batch: 10 }, undefined);
      expect(plan.total).toBe(1000);
      expect(plan.chunks.flatMap((c) => c.taskIds)).toEqual(ids);
      const reads = ls.requests.slice(seen).filter((r) => r.startsWith('GET /api/tasks/')).length;
      expect(reads).toBeGreaterThanOrEqual(10);
      // The first chunk was on the queue after page 1 (and the project), long before the last page.
      expect(submittedAt[0]! - seen).toBeLessThanOrEqual(3);
      expect(await bulkStatus(queue, plan.id)).toMatchObject({ job_status: 'queued', total: 1000, chunks: 10 });

      // only_missing: pages shift as chunks write, so every page is read before the first submit.
      submittedAt.length = 0;
      seen = ls.requests.length;
      const filtered = await planAndSubmitBulk(queue, client, { project: 10, chunkSize: 100, batch: 10, onlyMissing: true }, 'v-none');
      expect(filtered.total).toBe(1000);
      expect(submittedAt[0]! - seen).toBeGreaterThanOrEqual(11);

      // A page that cannot be read fails the plan, and the chunks already queued are canceled.
      const failing = new LabelStudioClient({
        url: ls.url,
        apiKey: 'test-token',
        maxRetries: 0,
        fetch: async (input, init) => {
          if (String(input).includes('page=5&')) throw new TypeError('connection reset');
          return fetch(input, init);
        },
      });
      const before = new Set((await queue.listJobs()).map((j) => j.id));
      await expect(planAndSubmitBulk(queue, failing, { project: 10, chunkSize: 100 }, undefined)).rejects.toThrow(/connection reset/);
      const orphans = (await queue.listJobs()).filter((j) => !before.has(j.id));
      expect(orphans.length).toBeGreaterThan(0);
      expect(orphans.every((j) => j.status === 'failed')).toBe(true);
    } finally {
      ls.faults.slowPageMs = 0;
      await queue.close();
    }
  });

  it('a chunk run twice never writes twice (check before write)', async () => {
    const ids = seedProject(ls, 2, 300);
    const model: LabelStudioMLBase = await BulkClassifier.create({ projectId: '2', labelConfig: CHOICES_CONFIG, logger: silent });
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
    const payload = { bulkJob: 'bulk-x', index: 0, chunks: 1, project: 2, taskIds: ids, batch: 50 };
    const first = await runBulkChunk(model, client, payload);
    expect(first).toMatchObject({ written: 300, skipped: 0, failed: [] });
    const second = await runBulkChunk(model, client, payload);
    expect(second).toMatchObject({ written: 0, skipped: 300, failed: [] });
    expectExactlyOne(ls, 2, first.modelVersion);
  });

  it('a run that loses its claim writes nothing more and fails with JobClaimLostError', async () => {
    const ids = seedProject(ls, 25, 300);
    const model: LabelStudioMLBase = await BulkClassifier.create({ projectId: '25', labelConfig: CHOICES_CONFIG, logger: silent });
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
    const payload = { bulkJob: 'bulk-lost', index: 0, chunks: 1, project: 25, taskIds: ids, batch: 50 };
    let asked = 0;
    // The claim holds for the first write (100 predictions), then it lapsed.
    const err = await runBulkChunk(model, client, payload, { writeBatch: 100, holdsClaim: async () => ++asked === 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobClaimLostError);
    expect(asked).toBe(2);
    const counts = [...ls.predictionCounts(25, model.modelVersion).values()];
    expect(counts.filter((n) => n === 1)).toHaveLength(100);
    expect(counts.filter((n) => n === 0)).toHaveLength(200);
  });

  it('the embedded queue runs waiting jobs back to back, not one per poll interval', async () => {
    // A bulk job is hundreds of chunk jobs: a poll between them left the model idle (966 tasks/s).
    const queue = new SqliteTrainingQueue({ file: path.join(tmp(), 'queue.db'), logger: silent, pollMs: 5_000 });
    const ran: string[] = [];
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    queue.startWorker(async (job) => {
      ran.push(job.projectId);
      if (ran.length === 4) finish();
      return { result: null, modelVersion: null };
    });
    const started = Date.now();
    for (const p of ['a', 'b', 'c', 'd']) await queue.submit(p, null, { event: 'X', data: {}, receivedAt: new Date().toISOString() });
    await done;
    // Without it: three poll intervals, 15 s.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    await queue.close();
  });

  it('the embedded queue leaves a job it lost to another run alone', async () => {
    const file = path.join(tmp(), 'queue.db');
    const queue = new SqliteTrainingQueue({ file, logger: silent, pollMs: 20 });
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    queue.startWorker(async () => {
      const other = new Database(file);
      other.prepare("UPDATE lsml_jobs SET worker = 'elsewhere:1:x', attempts = attempts + 1").run();
      other.close();
      setTimeout(finish, 50);
      throw new JobClaimLostError();
    });
    const { job } = await queue.submit('p', null, { event: 'X', data: {}, receivedAt: new Date().toISOString() });
    await done;
    expect(await queue.getJob(job!.id)).toMatchObject({ status: 'started', error: null, attempts: 2 });
    await queue.close();
  });

  it("the embedded queue tells a run whether it still holds its job's lease", async () => {
    const file = path.join(tmp(), 'queue.db');
    const queue = new SqliteTrainingQueue({ file, logger: silent, pollMs: 20 });
    const seen: boolean[] = [];
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    queue.startWorker(async (_job, control) => {
      seen.push(await control.holdsClaim!());
      // Another process found the lease lapsed and claimed the job (what a stalled worker wakes up to).
      const other = new Database(file);
      other.prepare("UPDATE lsml_jobs SET worker = 'elsewhere:1:x', attempts = attempts + 1").run();
      other.close();
      seen.push(await control.holdsClaim!());
      finish();
      return { result: null, modelVersion: null };
    });
    await queue.submit('p', null, { event: 'X', data: {}, receivedAt: new Date().toISOString() });
    await done;
    await queue.close();
    expect(seen).toEqual([true, false]);
  });

  it('DELETE /api/predictions/{id}/ answers like Label Studio: 204, then 404; 401 without a token', async () => {
    const [task] = seedProject(ls, 20, 1);
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
    const p = await client.createPrediction({ task: task!, result: [], model_version: 'del' });
    expect((await fetch(`${ls.url}/api/predictions/${p.id}/`, { method: 'DELETE' })).status).toBe(401);
    const res = await fetch(`${ls.url}/api/predictions/${p.id}/`, { method: 'DELETE', headers: { Authorization: 'Token test-token' } });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(ls.predictionsOf(task!)).toEqual([]);
    const again = await fetch(`${ls.url}/api/predictions/${p.id}/`, { method: 'DELETE', headers: { Authorization: 'Token test-token' } });
    expect([again.status, await again.json()]).toEqual([404, { detail: 'Not found.' }]);
    // The client reads 404 as "gone already".
    expect(await client.deletePrediction(p.id)).toBe(false);
    const q = await client.createPrediction({ task: task!, result: [], model_version: 'del' });
    expect(await client.deletePrediction(q.id)).toBe(true);
  });

  it('dedupe keeps the lowest id of each task; two verifiers at once leave exactly one', async () => {
    const ids = seedProject(ls, 21, 60);
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
    // Three predictions of the version per task (ids interleaved across tasks), one of another version.
    for (let copy = 0; copy < 3; copy++) for (const task of ids) await client.createPrediction({ task, result: [], model_version: 'dup' });
    for (const task of ids) await client.createPrediction({ task, result: [], model_version: 'other' });
    const lowest = new Map(ids.map((t) => [t, Math.min(...ls.predictionsOf(t, 'dup').map((p) => p.id))]));
    const deleted = await Promise.all([
      dedupeChunk(client, 21, ids, 'dup', { fetchPage: 25 }),
      dedupeChunk(new LabelStudioClient({ url: ls.url, apiKey: 'test-token' }), 21, ids, 'dup', { fetchPage: 40 }),
    ]);
    // Each extra is deleted once: the other verifier's DELETE of it is a 404, not counted.
    expect(deleted[0]! + deleted[1]!).toBe(120);
    expectExactlyOne(ls, 21, 'dup');
    expectExactlyOne(ls, 21, 'other');
    for (const t of ids) expect(ls.predictionsOf(t, 'dup')[0]!.id).toBe(lowest.get(t));
    expect(await dedupeChunk(client, 21, ids, 'dup')).toBe(0);
  });

  it('two runs of one chunk that overlap both write; a run that may have raced verifies and removes the duplicates', async () => {
    // predict() waits until both runs have read their tasks: each reads them as missing and writes.
    const racingPair = () => {
      let arrived = 0;
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      return class Racing extends BulkClassifier {
        override async predict(tasks: Parameters<BulkClassifier['predict']>[0]) {
          if (++arrived === 2) open();
          await gate;
          return super.predict(tasks);
        }
      };
    };
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
    const race = async (project: number, mayHaveRaced?: () => boolean) => {
      const ids = seedProject(ls, project, 200);
      const Racing = racingPair();
      const models = await Promise.all([0, 1].map(() => Racing.create({ projectId: String(project), labelConfig: CHOICES_CONFIG, logger: silent })));
      const payload = { bulkJob: `bulk-race-${project}`, index: 0, chunks: 1, project, taskIds: ids, batch: 200 };
      return Promise.all(models.map((m) => runBulkChunk(m as LabelStudioMLBase, client, payload, { mayHaveRaced })));
    };
    // Without verification the race is real: every task ends with two predictions of the version.
    const blind = await race(22);
    expect(blind.map((r) => r.written)).toEqual([200, 200]);
    expect(new Set(ls.predictionCounts(22, blind[0]!.modelVersion).values())).toEqual(new Set([2]));
    // With it: exactly one each, and the duplicates are counted.
    const seen = ls.requests.length;
    const checked = await race(23, () => true);
    expect(checked.map((r) => [r.written, r.verified])).toEqual([[200, true], [200, true]]);
    expect(checked[0]!.deduplicated! + checked[1]!.deduplicated!).toBe(200);
    expectExactlyOne(ls, 23, checked[0]!.modelVersion);
    expect(ls.requests.slice(seen).filter((r) => r.startsWith('DELETE /api/predictions/')).length).toBeGreaterThanOrEqual(200);
    // A run that held its claim throughout makes no extra request.
    const ids = seedProject(ls, 24, 100);
    const model: LabelStudioMLBase = await BulkClassifier.create({ projectId: '24', labelConfig: CHOICES_CONFIG, logger: silent });
    const before = ls.requests.length;
    const calm = await runBulkChunk(model, client, { bulkJob: 'bulk-calm', index: 0, chunks: 1, project: 24, taskIds: ids, batch: 50 }, { mayHaveRaced: () => false });
    expect(calm).toMatchObject({ written: 100, verified: false, deduplicated: 0 });
    expect(ls.requests.slice(before).map((r) => r.split(' ')[0] + ' ' + r.split(' ')[1]!.split('?')[0])).toEqual([
      'GET /api/tasks/',
      'POST /api/projects/24/import/predictions',
    ]);
  });
});

describe.skipIf(!HAS_REDIS)('bulk prediction on Redis + BullMQ', () => {
  let redis: RedisInstance;
  let ls: LabelStudioStandIn;
  beforeAll(async () => {
    redis = await startRedis();
    ls = await startLabelStudioStandIn();
  });
  afterAll(async () => {
    await ls?.close();
    await redis?.stop('SIGTERM');
  });
  /** Server and workers on this Redis and stand-in, with a job lock of `leaseMs` checked every `stalledMs`. */
  const bullmqEnv = (leaseMs: number, stalledMs: number): Record<string, string> => ({
    CACHE_TYPE: 'redis',
    QUEUE: 'bullmq',
    REDIS_URL: redis.url,
    LSML_JOB_LEASE_MS: String(leaseMs),
    LSML_JOB_STALLED_INTERVAL_MS: String(stalledMs),
    LABEL_STUDIO_URL: ls.url,
    LABEL_STUDIO_API_KEY: 'test-token',
  });

  it('two workers share the chunks; kill -9 of one mid-run still leaves exactly one prediction per task', async () => {
    seedProject(ls, 5, 2000);
    const modelDir = tmp();
    const env = { ...bullmqEnv(2000, 1000), BULK_DELAY_MS: '20' };
    const server = await spawnBackend(fixture, { env, modelDir });
    const w1 = await spawnWorker(fixture, env, modelDir);
    const w2 = await spawnWorker(fixture, env, modelDir);
    try {
      const queued = (await (await postJson(`${server.url}/jobs/predict`, { project: 5, chunk_size: 100, batch: 25 })).json()) as { job: string; total: number };
      expect(queued.total).toBe(2000);
      await pollBulk(server.url, queued.job, (s) => s.done >= 400);
      expect(await w1.stop('SIGKILL')).toBeNull();
      const done = await pollBulk(server.url, queued.job, (s) => s.job_status === 'finished', 90_000);
      expect(done).toMatchObject({ done: 2000, failed: 0, chunks_done: 20 });
      expect(done.written + done.skipped).toBe(2000);
      expectExactlyOne(ls, 5, '0.0.1');
      expect(w2.output()).toContain('Training job started');
    } finally {
      await w2.stop();
      await server.stop();
    }
  }, 120_000);

  it('a worker that stalls while alive loses its chunk to another and, woken up, writes nothing: exactly one prediction per task', async () => {
    const ids = seedProject(ls, 30, 40);
    const modelDir = tmp();
    const env = bullmqEnv(1000, 300);
    // Worker A reads the chunk, then sits in predict() long enough to be frozen there (the delay costs
    // nothing: its timer is long due when A is thawed).
    const a = await spawnWorker(fixture, { ...env, BULK_DELAY_MS: '5000' }, modelDir);
    let b: Awaited<ReturnType<typeof spawnWorker>> | undefined;
    const server = await spawnBackend(fixture, { env, modelDir });
    const status = async (job: string) => (await (await postJson(`${server.url}/job_status`, { job })).json()) as BulkStatusBody & { deduplicated: number };
    const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nA:\n${a.output().slice(-3000)}\nB:\n${b?.output().slice(-3000) ?? ''}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const chunkReads = () => ls.requests.filter((r) => r.startsWith('GET /api/tasks/?project=30&') && r.includes('selectedItems')).length;
    const writes = () => ls.requests.filter((r) => r.startsWith('POST /api/projects/30/import/predictions')).length;
    try {
      const queued = (await (await postJson(`${server.url}/jobs/predict`, { project: 30, chunk_size: 40, batch: 40 })).json()) as { job: string; total: number };
      expect(queued.total).toBe(40);
      await until('worker A to read its chunk', () => chunkReads() >= 1);
      // Frozen (a long GC pause, a blocked event loop): alive, but it renews no lock.
      a.signal('SIGSTOP');
      b = await spawnWorker(fixture, env, modelDir);
      // BullMQ sees A's lock expire and hands the chunk to B, which reads the tasks as missing and writes.
      await until('worker B to finish the chunk', async () => (await status(queued.job)).job_status === 'finished');
      expect(writes()).toBe(1);
      expectExactlyOne(ls, 30, '0.0.1');
      const done = await status(queued.job);
      // A wakes up with its predictions made: before writing, it finds its lock gone and stops ...
      a.signal('SIGCONT');
      await until('worker A to stop', () => a.output().includes('Job lost to another worker'));
      expect(writes()).toBe(1);
      expectExactlyOne(ls, 30, '0.0.1');
      // ... and leaves the chunk's state to B's run. (B, a retry, verified its chunk: nothing to remove.)
      expect(b.output()).toContain('Bulk chunk verified after a possible race');
      const withoutRate = ({ rate: _rate, ...rest }: Awaited<ReturnType<typeof status>>) => rest;
      expect(withoutRate(await status(queued.job))).toEqual(withoutRate(done));
      expect(done).toMatchObject({ job_status: 'finished', done: 40, written: 40, chunks_done: 1, deduplicated: 0 });
    } finally {
      a.signal('SIGCONT');
      await a.stop();
      await b?.stop();
      await server.stop();
    }
  }, 90_000);
});

describe('lsml predict (CLI, embedded queue)', () => {
  let ls: LabelStudioStandIn;
  beforeAll(async () => {
    ls = await startLabelStudioStandIn();
  });
  afterAll(async () => {
    await ls?.close();
  });

  const run = (args: string[], env: Record<string, string>, killWhen?: () => boolean) =>
    new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'predict', fixture, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const onData = (c: Buffer) => {
        out += c.toString();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const timer = killWhen && setInterval(() => killWhen() && child.kill('SIGKILL'), 20);
      child.once('exit', (code, signal) => {
        if (timer) clearInterval(timer);
        resolve({ code, signal, out });
      });
    });

  // A real pseudo-terminal from util-linux's `script` (Debian: bsdutils, always installed): stderr is a TTY.
  it.runIf(fs.existsSync('/usr/bin/script'))('draws a progress bar on a terminal, redrawn in place, ending on its own line', async () => {
    seedProject(ls, 11, 600);
    const env = { LABEL_STUDIO_URL: ls.url, LABEL_STUDIO_API_KEY: 'test-token', BULK_DELAY_MS: '5' };
    const command = [process.execPath, CLI, 'predict', fixture, '--project', '11', '--chunk-size', '100', '--batch', '20', '--model-dir', tmp()]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(' ');
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('/usr/bin/script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr.on('data', (c: Buffer) => (text += c.toString()));
      child.once('exit', (c) => resolve({ code: c, out: text }));
    });
    expect(code).toBe(0);
    // Redrawn with a carriage return, never as one progress line per update.
    const bars = [...out.matchAll(/\r\[([#.]{30})\] (\d+)\/600 \([\d.]+%\)/g)];
    expect(bars.length).toBeGreaterThan(0);
    expect(bars.at(-1)![1]).toBe('#'.repeat(30));
    expect(bars.at(-1)![2]).toBe('600');
    expect(out).toMatch(/\] 600\/600 \(100\.0%\)[^\r\n]*\r?\n/);
    // Every display is a redraw: none starts on a fresh line (as the progress lines of a pipe do).
    expect([...out.matchAll(/\[[#.]{30}\] \d+\/600/g)].length).toBe(bars.length);
    expectExactlyOne(ls, 11, '0.0.1');
  }, 120_000);

  it('shows progress lines, survives kill -9 and resumes: exactly one prediction per task', async () => {
    seedProject(ls, 9, 2000);
    const modelDir = tmp();
    const env = { LABEL_STUDIO_URL: ls.url, LABEL_STUDIO_API_KEY: 'test-token', BULK_DELAY_MS: '15', LSML_JOB_LEASE_MS: '1000' };
    // Killed once the stand-in holds 300 predictions: some chunks finished, one mid-way.
    const first = await run(['--project', '9', '--chunk-size', '100', '--batch', '20', '--model-dir', modelDir], env, () => ls.predictionCounts(9, '0.0.1').size > 0 && [...ls.predictionCounts(9, '0.0.1').values()].filter((n) => n > 0).length >= 300);
    expect(first.signal).toBe('SIGKILL');
    const job = /bulk job (bulk-[0-9a-f-]+)/.exec(first.out)![1]!;
    expect(first.out).toMatch(/2000 tasks in 20 chunks/);
    const second = await run(['--project', '9', '--resume', job, '--model-dir', modelDir], env);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/2000\/2000/);
    expect(second.out).toMatch(/finished: \d+ written, \d+ already there, 0 failed/);
    expectExactlyOne(ls, 9, '0.0.1');
  }, 120_000);
});
