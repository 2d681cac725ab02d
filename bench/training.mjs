// Webhook latency while a training job runs (issue target: p99 < 100 ms). Starts one lsml server on the
// embedded queue with a model whose training burns CPU on the same event loop budget as a real one
// (chunks of synchronous work with yields), keeps a job running, and fires annotation webhooks at it.
// Baseline in the same run: the same webhooks with no training running.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const duration = 8;

function start(env) {
  return new Promise((resolve, reject) => {
    const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-bench-train-'));
    const child = spawn(
      process.execPath,
      [path.join(root, 'packages/core/dist/cli.js'), 'start', path.join(root, 'bench/fixtures/cpu-trainer.ts'), '--port', '0', '--host', '127.0.0.1', '--model-dir', modelDir],
      { env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.includes('lsml server listening'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

const config = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';
const event = (id) =>
  JSON.stringify({
    action: 'ANNOTATION_CREATED',
    annotation: { id, project: 1, task: id, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }] },
    task: { id, data: { text: `text ${id}` } },
    project: { id: 1, label_config: config },
  });

function fire(url) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${url}/webhook`, method: 'POST', connections: 4, duration, headers: { 'content-type': 'application/json' }, body: event(1) },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
}

async function jobRunning(url) {
  const res = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'START_TRAINING', project: { id: 1, label_config: config } }) });
  const { job } = await res.json();
  for (;;) {
    const s = await (await fetch(`${url}/job_status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ job }) })).json();
    if (s.job_status === 'started') return job;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const idle = await start({ CPU_TRAIN_MS: '0' });
await fire(idle.url);
const base = await fire(idle.url);
idle.child.kill('SIGTERM');

const busy = await start({ CPU_TRAIN_MS: String((duration + 4) * 1000) });
await jobRunning(busy.url);
const during = await fire(busy.url);
busy.child.kill('SIGTERM');

const row = (name, r) => ({ case: name, 'req/s': Math.round(r.requests.average), 'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99, 'max ms': r.latency.max, errors: r.errors + r.non2xx });
console.table([row('no training', base), row('training running', during)]);
console.log(`webhook p99 while training: ${during.latency.p99} ms (target < 100 ms: ${during.latency.p99 < 100 ? 'met' : 'NOT met'}); p99 ratio vs idle ${(during.latency.p99 / Math.max(base.latency.p99, 1)).toFixed(2)}`);
const { printSummary } = await import('./lib.mjs');
printSummary('training', [
  { name: '/webhook p99 while a training job runs', value: during.latency.p99, unit: 'ms', baseline: base.latency.p99, ratio: Number((during.latency.p99 / Math.max(base.latency.p99, 1)).toFixed(3)), goal: '< 100 ms (baseline: same server, no training)', met: during.latency.p99 < 100 },
]);
