// Load: 100,000 /predict requests at 200 connections against a trivial model. Zero errors and RSS
// growth ≤ 5 % are the goals; prints req/s, p50, p99 and RSS before/after.
import { CHOICES, cannon, fixture, json, row, rssKb, startLsml } from './lib.mjs';

const amount = Number(process.env.LOAD_REQUESTS ?? 100_000);
const body = json({ tasks: [{ id: 1, data: { text: 'I love it' } }], project: '1.1700000000', label_config: CHOICES, params: { context: null } });
const s = await startLsml(fixture('trivial-model.ts'));
await cannon({ url: `${s.url}/predict`, connections: 200, amount: 20_000, ...body }); // warm-up: JIT, instance, buffers
const before = rssKb(s.child.pid);
const r = await cannon({ url: `${s.url}/predict`, connections: 200, amount, ...body });
const after = rssKb(s.child.pid);
await s.stop();
const growth = ((after - before) / before) * 100;
console.table([{ ...row(`${amount} × /predict @200`, r), 'RSS before MB': (before / 1024).toFixed(1), 'RSS after MB': (after / 1024).toFixed(1), 'RSS growth %': growth.toFixed(1) }]);
console.log(`load: errors ${r.errors + r.non2xx + r.timeouts} (goal 0), RSS growth ${growth.toFixed(1)} % (goal ≤ 5 %)`);
const summary = { name: 'load', value: `${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, RSS +${growth.toFixed(1)} %`, ok: r.errors + r.non2xx + r.timeouts === 0 && growth <= 5 };
console.log(`SUMMARY ${JSON.stringify(summary)}`);
