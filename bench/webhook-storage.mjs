// Issue 17 item 4: a trainable backend stores annotations one state key per annotated task, so an
// annotation webhook costs the same however many annotations the project already has. Starts the
// reference text classifier (apps/text-classifier: backend({ runtime: tfjsRuntime, head: choicesHead }))
// with `lsml start` on the default SQLite store, fills the project with annotations through Label
// Studio's bulk ANNOTATIONS_CREATED webhooks, and measures single ANNOTATION_CREATED webhooks at 1,000
// and at 50,000 stored annotations.
// Goals: p99 < 20 ms at both sizes, and p99 at 50,000 within 1.5× of p99 at 1,000 (the baseline).
//
// Usage (after `npx turbo run build`): node bench/webhook-storage.mjs [--samples 300]
import fs from 'node:fs';
import path from 'node:path';
import { root, startLsml } from './lib.mjs';

const samplesArg = process.argv.indexOf('--samples');
const SAMPLES = samplesArg > 0 ? Number(process.argv[samplesArg + 1]) : 300;
const PROJECT = 1;
const CONFIG = '<View><Text name="text" value="$text"/><Choices name="label" toName="text" choice="single"><Choice value="ham"/><Choice value="spam"/></Choices></View>';
const project = { id: PROJECT, title: 'bench', label_config: CONFIG };
const annotation = (id) => ({ id, task: id, project: PROJECT, was_cancelled: false, result: [{ from_name: 'label', to_name: 'text', type: 'choices', value: { choices: [id % 3 ? 'ham' : 'spam'] } }] });
const task = (id) => ({ id, data: { text: `Message number ${id}: meeting notes, invoices and the odd offer you cannot refuse.` }, project: PROJECT });

// Automatic training off: the webhook alone is measured (the policy still counts every annotation).
const server = await startLsml(path.join(root, 'apps/text-classifier/src/model.ts'), { env: { TRAIN_EVERY: '1000000000' } });
const post = async (route, body) => {
  const res = await fetch(server.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
};

let stored = 0;
/** Bulk-import annotations until `target` tasks are annotated (1,000 per ANNOTATIONS_CREATED). */
async function fillTo(target) {
  while (stored < target) {
    const n = Math.min(1000, target - stored);
    const ids = Array.from({ length: n }, (_, i) => 1_000_000 + stored + i);
    await post('/webhook', { action: 'ANNOTATIONS_CREATED', annotation: ids.map(annotation), task: ids.map(task), project });
    stored += n;
  }
}

/** p99 of `SAMPLES` sequential ANNOTATION_CREATED webhooks, each on a new task (after 20 warm-up). */
async function webhookP99(label) {
  const latencies = [];
  for (let i = 0; i < SAMPLES + 20; i++) {
    const id = 5_000_000 + stored + i;
    const started = performance.now();
    await post('/webhook', { action: 'ANNOTATION_CREATED', annotation: annotation(id), task: task(id), project });
    if (i >= 20) latencies.push(performance.now() - started);
  }
  stored += SAMPLES + 20;
  const s = latencies.sort((a, b) => a - b);
  const p = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  console.log(`${label}: webhook p50 ${p(0.5).toFixed(2)} ms, p99 ${p(0.99).toFixed(2)} ms (${SAMPLES} webhooks)`);
  return p(0.99);
}

const rows = [];
try {
  await post('/setup', { project: `${PROJECT}.1714550400`, schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'bench', extra_params: '' });
  await fillTo(1000);
  const small = await webhookP99('1,000 stored annotations');
  await fillTo(50_000);
  const large = await webhookP99('50,000 stored annotations');
  const db = path.join(server.modelDir, 'cache.db');
  if (fs.existsSync(db)) console.log(`state store: ${db} (${(fs.statSync(db).size / 1e6).toFixed(1)} MB)`);
  const round = (x) => Math.round(x * 100) / 100;
  rows.push(
    { name: 'webhook p99 ms at 1,000 stored annotations', value: round(small), baseline: null, ratio: null, goal: '< 20 ms', met: small < 20 },
    { name: 'webhook p99 ms at 50,000 stored annotations (vs 1,000)', value: round(large), baseline: round(small), ratio: round(large / small), goal: '< 20 ms and <= 1.5x the 1,000 p99', met: large < 20 && large <= 1.5 * small },
  );
} finally {
  await server.stop();
  fs.rmSync(server.modelDir, { recursive: true, force: true });
}
console.log(`SUMMARY ${JSON.stringify({ bench: 'webhook-storage', rows })}`);
process.exitCode = rows.length === 2 && rows.every((r) => r.met) ? 0 : 1;
