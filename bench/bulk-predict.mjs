// Bulk prediction at scale (issue 18): a Label Studio stand-in (in this process; there is no Label
// Studio server here) holding N tasks (default 100,000; BULK_TASKS), a real redis-server, one
// `lsml start` (QUEUE=bullmq; it plans the job and answers /job_status) and 1 or 2 `lsml worker`s.
// Rows: tasks/s with 1 and 2 workers and their ratio; a run where one of 2 workers is killed -9 mid-run
// and every task still ends with exactly one prediction of the version (read from the stand-in's store);
// end-to-end tasks/s (1 worker) vs the same model's /predict throughput alone, in the same run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cannon, CHOICES, CLI, fixture, printSummary, resultRow, startLsml } from './lib.mjs';
import { startLabelStudioStandIn } from '../packages/core/dist/testing.js';

const N = Number(process.env.BULK_TASKS ?? 100_000);
const CHUNK = Number(process.env.BULK_CHUNK ?? 1000);
const BATCH = Number(process.env.BULK_BATCH ?? 64);
const model = fixture('bulk-tiny-model.ts');
const VERSION = '0.0.1';

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startRedis() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) };
}

function startWorker(env, modelDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'worker', model, '--model-dir', modelDir], { env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const onData = (c) => {
      out += c;
      if (out.includes('lsml worker ready')) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ child, stop: (signal = 'SIGTERM') => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : (child.once('exit', r), child.kill(signal)))) });
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
}

const post = async (url, body) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();

/** One bulk run on a fresh Redis and project: returns tasks/s from submit to finished. */
async function bulkRun(ls, project, workers, { killAt } = {}) {
  ls.labelConfigs.set(project, CHOICES);
  ls.addTasks(project, N, (id) => ({ text: id % 3 ? `a good day number ${id}` : `a bad day number ${id}` }));
  const redis = await startRedis();
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-bench-bulk-'));
  const env = { QUEUE: 'bullmq', CACHE_TYPE: 'redis', REDIS_URL: redis.url, LABEL_STUDIO_URL: ls.url, LABEL_STUDIO_API_KEY: 'test-token', LSML_JOB_LEASE_MS: '3000', LSML_JOB_STALLED_INTERVAL_MS: '1000' };
  const server = await startLsml(model, { env, modelDir });
  const ws = [];
  for (let i = 0; i < workers; i++) ws.push(await startWorker(env, modelDir));
  try {
    const t0 = Date.now();
    const { job, total } = await post(`${server.url}/jobs/predict`, { project, chunk_size: CHUNK, batch: BATCH });
    if (total !== N) throw new Error(`planned ${total} of ${N} tasks`);
    let killed = false;
    let status;
    let lastLog = 0;
    for (;;) {
      status = await post(`${server.url}/job_status`, { job });
      if (Date.now() - lastLog > 5000) {
        console.error(`  ${workers} worker(s)${killAt ? ' (kill run)' : ''}: ${status.done}/${status.total} ${status.rate} tasks/s`);
        lastLog = Date.now();
      }
      if (killAt && !killed && status.done >= killAt * N) {
        killed = true;
        await ws[0].stop('SIGKILL');
        console.error(`  killed -9 worker 1 at ${status.done}/${N}`);
      }
      if (status.job_status === 'finished' || status.job_status === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (Date.now() - t0) / 1000;
    const counts = ls.predictionCounts(project, VERSION);
    let missing = 0;
    let duplicated = 0;
    for (const n of counts.values()) {
      if (n === 0) missing++;
      if (n > 1) duplicated++;
    }
    return { tasksPerS: Math.round(N / seconds), seconds, status: status.job_status, missing, duplicated, killed };
  } finally {
    for (const w of ws) await w.stop();
    await server.stop();
    await redis.stop();
  }
}

/** The same model's /predict alone: batches of BATCH tasks, 2 connections, one server process. */
async function predictBaseline() {
  const server = await startLsml(model);
  try {
    const tasks = Array.from({ length: BATCH }, (_, i) => ({ id: i + 1, data: { text: i % 3 ? `a good day number ${i}` : `a bad day number ${i}` } }));
    const body = JSON.stringify({ tasks, project: '1.1', label_config: CHOICES, params: { context: null } });
    const r = await cannon({ url: `${server.url}/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 2, duration: 8 });
    if (r.non2xx || r.errors) throw new Error(`/predict baseline had ${r.non2xx} non-2xx and ${r.errors} errors`);
    return Math.round(r.requests.average * BATCH);
  } finally {
    await server.stop();
  }
}

const ls = await startLabelStudioStandIn();
try {
  console.error(`bulk-predict: ${N} tasks, chunks of ${CHUNK}, batch ${BATCH}`);
  const one = await bulkRun(ls, 1, 1);
  const two = await bulkRun(ls, 2, 2);
  const kill = await bulkRun(ls, 3, 2, { killAt: 0.3 });
  const predictAlone = await predictBaseline();
  const exact = (r) => r.status === 'finished' && r.missing === 0 && r.duplicated === 0;
  printSummary('bulk-predict', [
    resultRow(`tasks/s, 1 worker (${N} tasks, bench/bulk-predict.mjs)`, { value: one.tasksPerS, unit: 'tasks/s', goal: 'exactly one prediction per task', met: exact(one) }),
    resultRow('tasks/s, 2 workers vs 1 (2-core machine)', { value: two.tasksPerS, unit: 'tasks/s', baseline: one.tasksPerS, goal: 'exactly one prediction per task', met: exact(two) }),
    resultRow('kill -9 of 1 of 2 workers at 30%: tasks missing + duplicated', { value: kill.missing + kill.duplicated, goal: '0 and job finished', met: kill.killed && exact(kill) }),
    resultRow('end-to-end tasks/s (1 worker) vs /predict alone', { value: one.tasksPerS, unit: 'tasks/s', baseline: predictAlone, goal: '>= 0.7x', met: one.tasksPerS >= 0.7 * predictAlone }),
  ]);
} finally {
  await ls.close();
}
