// /health p99 while 4 clients hammer a CPU-bound model (20 ms per task) and a training job runs.
// Measured twice in the same run: model code on the event loop, then on worker threads (createThreadPool).
// Goal: /health p99 ≤ 20 ms.
import { cannon, fixture, json, printSummary, row, startLsml } from './lib.mjs';

const duration = Number(process.env.DURATION ?? 8);
const body = json({ tasks: [{ id: 1, data: { text: 'x' } }], project: '1.1', params: { context: null } });
const results = [];
for (const threads of ['0', '1']) {
  const s = await startLsml(fixture('slow-cpu-model.ts'), { env: { USE_THREADS: threads, CPU_MS: '20', CPU_TRAIN_MS: String((duration + 5) * 1000) } });
  const start = await fetch(`${s.url}/webhook`, json({ action: 'START_TRAINING', project: { id: 1, label_config: null } }));
  const { job } = await start.json();
  const load = cannon({ url: `${s.url}/predict`, connections: 4, duration, ...body });
  const health = await cannon({ url: `${s.url}/health`, connections: 1, duration });
  const predict = await load;
  const status = await (await fetch(`${s.url}/job_status`, json({ job }))).json();
  await s.stop();
  results.push({ threads, health, predict, training: status.job_status });
}
console.table(results.flatMap((r) => [row(`/health, model on ${r.threads === '1' ? 'worker threads' : 'event loop'}`, r.health), row(`/predict (4 clients), ${r.threads === '1' ? 'threads' : 'loop'}`, r.predict)]));
const [loop, threads] = results;
console.log(`training job during both runs: ${loop.training} / ${threads.training}`);
console.log(`/health p99: event loop ${loop.health.latency.p99} ms vs worker threads ${threads.health.latency.p99} ms (goal ≤ 20 ms: ${threads.health.latency.p99 <= 20 ? 'met with threads' : 'NOT met'})`);
// Baseline: the same model run on the event loop in the same run.
printSummary('responsiveness', [
  { name: '/health p99, model on worker threads, training running', value: threads.health.latency.p99, unit: 'ms', baseline: loop.health.latency.p99, ratio: Number((threads.health.latency.p99 / Math.max(loop.health.latency.p99, 1)).toFixed(3)), goal: '≤ 20 ms (baseline: model on the event loop)', met: threads.health.latency.p99 <= 20 },
]);
