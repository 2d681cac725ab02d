// Throughput and latency of `/predict` and `/health` for a trivial model on one lsml process, against a
// bare node:http server (bench/bare-server.mjs) measured in the same run, at 16 and 64 connections.
// Goals (issue 15): /predict ≥ 0.5× bare req/s and p99 ≤ 2× bare p99; /health ≥ 0.7× bare req/s.
// The client (this process) and each server (a child process) share the machine: compare ratios only.
// Each case runs `--reps` times, interleaved, and keeps its best run (highest req/s, lowest p99): on a
// shared machine, other processes' bursts only ever make a run worse.
// Usage: node bench/server.mjs [--duration 5] [--reps 3]
import os from 'node:os';
import path from 'node:path';
import { CHOICES, cannon, fixture, printSummary, root, startLsml, startProcess } from './lib.mjs';

const argDuration = process.argv.indexOf('--duration');
const duration = argDuration > 0 ? Number(process.argv[argDuration + 1]) : 5;
const argReps = process.argv.indexOf('--reps');
const reps = argReps > 0 ? Number(process.argv[argReps + 1]) : 3;

const predictBody = JSON.stringify({
  tasks: [{ id: 1, data: { text: 'I love it' } }],
  project: '1.1700000000',
  label_config: CHOICES,
  params: { login: null, password: null, context: null },
});
const predict = { method: 'POST', headers: { 'content-type': 'application/json' }, body: predictBody };

const lsml = await startLsml(fixture('trivial-model.ts'));
const bare = await startProcess(process.execPath, [path.join(root, 'bench/bare-server.mjs')]);
const servers = { lsml: lsml.url, bare: bare.url };

const measure = (url, connections, opts) => cannon({ url, connections, duration, ...opts });
// Warm up the JIT and lsml's per-project instance.
for (const url of Object.values(servers)) {
  await cannon({ url: `${url}/predict`, connections: 16, duration: 2, ...predict });
  await cannon({ url: `${url}/health`, connections: 16, duration: 1 });
}

const table = [];
const rows = [];
for (const connections of [16, 64]) {
  const runs = {};
  for (let i = 0; i < reps; i++) {
    // Interleave lsml and bare so drift in the machine's load hits both alike.
    for (const route of ['predict', 'health']) {
      for (const [name, url] of Object.entries(servers)) {
        const v = await measure(`${url}/${route}`, connections, route === 'predict' ? predict : {});
        (runs[`${name} ${route}`] ??= []).push(v);
        table.push({ case: `${name} ${route} @${connections} #${i + 1}`, 'req/s': Math.round(v.requests.average), 'p50 ms': v.latency.p50, 'p99 ms': v.latency.p99, errors: v.errors + v.timeouts + v.non2xx });
      }
    }
  }
  const rps = (k) => Math.max(...runs[k].map((v) => Math.round(v.requests.average)));
  const p99 = (k) => Math.min(...runs[k].map((v) => v.latency.p99));
  const errors = Object.values(runs).flat().reduce((n, v) => n + v.errors + v.timeouts + v.non2xx, 0);
  rows.push(
    {
      name: `/predict req/s @${connections}`,
      value: rps('lsml predict'),
      unit: 'req/s',
      baseline: rps('bare predict'),
      goal: '≥ 0.5× bare node:http',
      check: (ratio) => ratio >= 0.5 && errors === 0,
    },
    {
      name: `/predict p99 @${connections}`,
      value: p99('lsml predict'),
      unit: 'ms',
      baseline: p99('bare predict'),
      goal: '≤ 2× bare node:http',
      check: (ratio) => ratio <= 2,
    },
    {
      name: `/health req/s @${connections}`,
      value: rps('lsml health'),
      unit: 'req/s',
      baseline: rps('bare health'),
      goal: '≥ 0.7× bare node:http',
      check: (ratio) => ratio >= 0.7 && errors === 0,
    },
  );
}
await lsml.stop();
await bare.stop();

console.log(`\n${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}, ${duration} s per run, best of ${reps} (client and server share the machine)`);
console.table(table);
printSummary(
  'server',
  rows.map(({ check, ...r }) => {
    const ratio = r.value / r.baseline;
    return { ...r, ratio: Number(ratio.toFixed(3)), met: check(ratio) };
  }),
);
