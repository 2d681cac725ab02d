// Load: 100,000 /predict requests at 200 connections against a trivial model. Goals: zero errors and
// RSS growth ≤ 5 %. RSS is sampled every 100 ms: garbage collection makes it a sawtooth (tens of MB
// between major GCs), so a single reading before and after measures where on the tooth each one fell,
// not growth. Growth compares the peak RSS over the last 40 % of the run with the peak over the first
// 40 % (after a warm-up; each window spans several GC cycles): a leak raises every later peak, the
// sawtooth does not.
import { CHOICES, cannon, fixture, json, printSummary, row, rssKb, startLsml } from './lib.mjs';

const amount = Number(process.env.LOAD_REQUESTS ?? 100_000);
const segments = 10;
const window = 4;
const body = json({ tasks: [{ id: 1, data: { text: 'I love it' } }], project: '1.1700000000', label_config: CHOICES, params: { context: null } });
const s = await startLsml(fixture('trivial-model.ts'));
await cannon({ url: `${s.url}/predict`, connections: 200, amount: 20_000, ...body }); // warm-up: JIT, instance, buffers
const afterWarmup = rssKb(s.child.pid);
const peaks = [];
const results = [];
for (let i = 0; i < segments; i++) {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(s.child.pid))), 100);
  results.push(await cannon({ url: `${s.url}/predict`, connections: 200, amount: amount / segments, ...body }));
  clearInterval(sampler);
  peaks.push(Math.max(peak, rssKb(s.child.pid)));
}
const end = rssKb(s.child.pid);
await s.stop();
const errors = results.reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0);
const reqs = results.reduce((n, r) => n + r.requests.average, 0) / results.length;
const first = Math.max(...peaks.slice(0, window));
const last = Math.max(...peaks.slice(-window));
const growth = ((last - first) / first) * 100;
const mb = (kb) => Number((kb / 1024).toFixed(1));
console.table(results.map((r, i) => ({ ...row(`${amount / segments} × /predict @200, part ${i + 1}`, r), 'peak RSS MB': mb(peaks[i]) })));
console.log(`RSS after warm-up ${mb(afterWarmup)} MB, at the end ${mb(end)} MB (single readings, for reference); peak per tenth: ${peaks.map(mb).join(', ')} MB`);
console.log(`load: errors ${errors} (goal 0), peak RSS growth ${growth.toFixed(1)} % (goal ≤ 5 %)`);
// The RSS row's baseline is the same process's peak over the first 40 % of the run; the others have none.
printSummary('load', [
  { name: `peak RSS, last vs first 40 % of ${amount} × /predict @200`, value: mb(last), unit: 'MB', baseline: mb(first), ratio: Number((last / first).toFixed(3)), goal: 'growth ≤ 5 % (ratio ≤ 1.05)', met: growth <= 5 },
  { name: `errors over ${amount} × /predict @200`, value: errors, unit: '', goal: '0', met: errors === 0 },
  { name: '/predict req/s @200', value: Math.round(reqs), unit: 'req/s', goal: 'none (no baseline: bench/server.mjs has the ratio to bare node:http)', met: null },
]);
