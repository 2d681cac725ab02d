// Overload: with the limit at N (LSML_MAX_CONCURRENCY=N, no wait queue), N×4 concurrent slow requests.
// The excess must get 503 + Retry-After quickly; the accepted ones must complete.
import { fixture, json, printSummary, startLsml } from './lib.mjs';

const N = 4;
const s = await startLsml(fixture('slow-cpu-model.ts'), { env: { USE_THREADS: '1', CPU_MS: '300', LSML_MAX_CONCURRENCY: String(N), LSML_MAX_QUEUE: '0' } });
const body = json({ tasks: [{ id: 1, data: {} }], project: '1.1' });
await fetch(`${s.url}/predict`, body); // warm the thread pool
const results = await Promise.all(
  Array.from({ length: N * 4 }, async () => {
    const t = performance.now();
    const res = await fetch(`${s.url}/predict`, body);
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - t, retryAfter: res.headers.get('retry-after') };
  }),
);
await s.stop();
const ok = results.filter((r) => r.status === 200);
const busy = results.filter((r) => r.status === 503);
const max = (xs) => Math.max(...xs.map((r) => r.ms)).toFixed(0);
console.table([
  { outcome: '200 (accepted)', count: ok.length, 'max ms': max(ok) },
  { outcome: '503 (turned away)', count: busy.length, 'max ms': max(busy), 'Retry-After': busy[0]?.retryAfter },
]);
const good = ok.length === N && busy.length === N * 3 && busy.every((r) => r.ms < 100);
console.log(`overload: ${ok.length} completed, ${busy.length} got 503 within ${max(busy)} ms (goal: ${N} and ${N * 3}, fast)`);
// No same-run baseline: the goals are absolute (counts, and 503s faster than one accepted request).
printSummary('overload', [
  { name: `accepted of ${N * 4} (limit ${N})`, value: ok.length, unit: 'requests', goal: `${N} answered 200`, met: ok.length === N },
  { name: 'turned away with 503', value: busy.length, unit: 'requests', goal: `${N * 3}, each < 100 ms (slowest ${max(busy)} ms); no baseline`, met: busy.length === N * 3 && busy.every((r) => r.ms < 100) },
]);
if (!good) process.exitCode = 1;
