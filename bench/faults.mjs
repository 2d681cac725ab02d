// Faults: kill -9 during training and during state writes → a restart serves the last good version and
// the state file passes SQLite's integrity check; SIGTERM under load → every accepted request answered.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CHOICES, fixture, json, printSummary, root, startLsml } from './lib.mjs';

const trainable = path.join(root, 'packages/core/test/fixtures/trainable.ts');
const lines = [];
const integrity = (dir) => {
  const db = new Database(path.join(dir, 'cache.db'), { readonly: true });
  const r = db.pragma('integrity_check', { simple: true });
  db.close();
  return r;
};
const version = async (url) => (await (await fetch(`${url}/setup`, json({ project: '7.1', schema: CHOICES }))).json()).model_version;
const annotation = (id, choice) => ({
  action: 'ANNOTATION_CREATED',
  annotation: { id, project: 7, task: id, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }] },
  task: { id, data: { text: `t${id}` } },
  project: { id: 7, label_config: CHOICES },
});
async function waitJob(url, job, want) {
  for (;;) {
    const s = await (await fetch(`${url}/job_status`, json({ job }))).json();
    if (want.includes(s.job_status)) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
}

// 1. kill -9 during training
{
  const a = await startLsml(trainable, { env: { TRAIN_DELAY_MS: '200' } });
  const first = await (await fetch(`${a.url}/webhook`, json(annotation(1, 'Positive')))).json();
  await waitJob(a.url, first.job, ['finished']);
  await a.stop();
  const b = await startLsml(trainable, { modelDir: a.modelDir, env: { TRAIN_DELAY_MS: '5000' } });
  const second = await (await fetch(`${b.url}/webhook`, json(annotation(2, 'Negative')))).json();
  await waitJob(b.url, second.job, ['started']);
  await b.stop('SIGKILL');
  const c = await startLsml(trainable, { modelDir: a.modelDir, env: { TRAIN_DELAY_MS: '200' } });
  const served = await version(c.url);
  const check = integrity(a.modelDir);
  const after = await waitJob(c.url, second.job, ['finished', 'failed']);
  await c.stop();
  lines.push({ fault: 'kill -9 during training', 'served after restart': served, 'interrupted job': `${after.job_status} (attempt ${after.attempts})`, 'cache.db': check, ok: served === '0.1.0' && check === 'ok' && after.job_status === 'finished' });
}

// 2. kill -9 during state writes (a model writing on every request, under load)
{
  const s = await startLsml(fixture('state-writer.ts'));
  const stopAt = Date.now() + 1500;
  const load = Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < stopAt) await fetch(`${s.url}/predict`, json({ tasks: [{ id: 1 }], project: '1.1' })).then((r) => r.arrayBuffer()).catch(() => {});
    }),
  );
  await new Promise((r) => setTimeout(r, 700));
  await s.stop('SIGKILL');
  await load;
  const check = integrity(s.modelDir);
  const again = await startLsml(fixture('state-writer.ts'), { modelDir: s.modelDir });
  const res = await fetch(`${again.url}/predict`, json({ tasks: [{ id: 1 }], project: '1.1' }));
  const counter = (await res.json()).results[0].counter;
  await again.stop();
  lines.push({ fault: 'kill -9 during state writes', 'served after restart': `${res.status}, counter ${counter}`, 'cache.db': check, ok: check === 'ok' && res.status === 200 && counter > 1 });
}

// 3. SIGTERM under load: each request on its own connection; a request whose connection was accepted
// must be answered (refused connections after close are fine: they were never accepted).
{
  // Clients stop sending when SIGTERM goes out, as a load balancer does once /ready fails; the server
  // keeps listening for LSML_SHUTDOWN_DELAY_MS so requests already on their way still land.
  const s = await startLsml(fixture('slow-cpu-model.ts'), { env: { CPU_MS: '5', LSML_SHUTDOWN_DELAY_MS: '300' } });
  const { port } = new URL(s.url);
  const counts = { answered: 0, refused: 0, dropped: 0 };
  const why = {};
  const one = () =>
    new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/predict', method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) why[res.statusCode] = (why[res.statusCode] ?? 0) + 1;
          counts[res.statusCode === 200 ? 'answered' : 'dropped']++;
          resolve();
        });
      });
      req.on('error', (err) => {
        if (err.code !== 'ECONNREFUSED') why[err.code] = (why[err.code] ?? 0) + 1;
        counts[err.code === 'ECONNREFUSED' ? 'refused' : 'dropped']++;
        resolve();
      });
      req.end(JSON.stringify({ tasks: [{ id: 1 }], project: '1.1' }));
    });
  let stopping = false;
  const clients = Promise.all(
    Array.from({ length: 24 }, async () => {
      while (!stopping) await one();
    }),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const exit = s.stop('SIGTERM');
  stopping = true;
  const code = await exit;
  await clients;
  if (counts.dropped) console.log('dropped:', why);
  lines.push({ fault: 'SIGTERM under load', 'exit code': code, answered: counts.answered, 'accepted but dropped': counts.dropped, ok: code === 0 && counts.dropped === 0 && counts.answered > 0 });
}

console.table(lines);
// Pass/fail checks without a baseline; any failed check makes the script exit non-zero.
printSummary(
  'faults',
  lines.map((l) => ({ name: l.fault, value: l.ok ? 'ok' : 'FAILED', unit: '', goal: 'recovers (no baseline: a pass/fail check)', met: l.ok })),
);
if (!lines.every((l) => l.ok) || !fs.existsSync(root)) process.exitCode = 1;
