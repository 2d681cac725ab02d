// Annotation webhook latency of a backend({ runtime, head }) with a trainable runtime, as a project's
// stored annotations grow (issue 17 item 4): each webhook upserts one state key per annotated task
// (`example:<task id>`), so its cost must not grow with the project. Two projects in one server and
// one SQLite state store (the default): one with 1,000 stored annotations (the same-run baseline), one
// with 50,000. Goal: webhook p99 at 50,000 within 1.5× of the p99 at 1,000, and under 20 ms.
// Exits non-zero when the goal is missed. Run: `node bench/webhook-examples.mjs` (after a build).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backend, choicesHead, createServer, SqliteStore } from '../packages/core/dist/index.js';

const SMALL = 1_000;
const LARGE = 50_000;
const REQUESTS = Number(process.env.REQUESTS ?? 600);
const CONFIG = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';

/** A trainable runtime that is never trained here (training is off: only the webhook path is measured). */
const makeRuntime = () => ({
  provider: 'bench',
  modelId: 'bench-v0',
  input: 'text',
  output: 'classes',
  capabilities: { batching: false, shared: false, threads: 'event-loop', trainable: true },
  load: async () => ({ untrained: true }),
  run: async (inputs) => inputs.map(() => ({ kind: 'classes', classes: [{ label: 'Positive', score: 1 }] })),
  dispose: async () => {},
  train: async () => ({}),
  save: async () => {},
  restore: async () => {},
});

const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-bench-webhook-'));
const store = new SqliteStore({ modelDir });
const example = (id, project) =>
  JSON.stringify({ task: { id, data: { text: `stored text ${id} of project ${project}` } }, labels: [id % 2 ? 'Positive' : 'Negative'], annotationId: 1_000_000 + id });
for (const [project, n] of [
  ['1', SMALL],
  ['2', LARGE],
]) {
  for (let id = 1; id <= n; id++) store.set(project, `example:${id}`, example(id, project));
}

const Model = backend({ runtime: makeRuntime, head: choicesHead(), training: { trainEvery: 1e9, onStartTraining: false } });
const server = createServer(Model, { store, modelDir, env: {}, logLevel: 'silent' });
const { url } = await server.listen(0, '127.0.0.1');

const event = (project, id) =>
  JSON.stringify({
    action: 'ANNOTATION_CREATED',
    annotation: { id: 5_000_000 + id, task: id, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }], was_cancelled: false },
    task: { id, data: { text: `new text ${id}` } },
    project: { id: Number(project), label_config: CONFIG },
  });

async function webhook(project, id) {
  const t = process.hrtime.bigint();
  const res = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: event(project, id) });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`webhook answered ${res.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const p = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const times = { '1': [], '2': [] };
// Warm up both projects (instance creation, statement caches), then alternate blocks so drift hits both.
for (let i = 0; i < 50; i++) {
  await webhook('1', SMALL + 1 + i);
  await webhook('2', LARGE + 1 + i);
}
let next = { '1': SMALL + 100, '2': LARGE + 100 };
for (let block = 0; block < REQUESTS / 50; block++) {
  for (const project of block % 2 ? ['2', '1'] : ['1', '2']) {
    for (let i = 0; i < 25; i++) times[project].push(await webhook(project, next[project]++));
  }
}
const stored = { '1': (await store.keys('1', 'example:')).length, '2': (await store.keys('2', 'example:')).length };
await server.close();

const rows = [
  { case: `${SMALL.toLocaleString('en')} stored annotations (baseline)`, stored: stored['1'], requests: times['1'].length, 'p50 ms': +p(times['1'], 0.5).toFixed(2), 'p99 ms': +p(times['1'], 0.99).toFixed(2) },
  { case: `${LARGE.toLocaleString('en')} stored annotations`, stored: stored['2'], requests: times['2'].length, 'p50 ms': +p(times['2'], 0.5).toFixed(2), 'p99 ms': +p(times['2'], 0.99).toFixed(2) },
];
console.table(rows);
const ratio = rows[1]['p99 ms'] / rows[0]['p99 ms'];
const ok = ratio <= 1.5 && rows[1]['p99 ms'] < 20;
console.log(`p99 ratio 50k / 1k: ${ratio.toFixed(2)} (goal ≤ 1.5), p99 at 50k: ${rows[1]['p99 ms']} ms (goal < 20 ms): ${ok ? 'met' : 'NOT met'}`);
console.log(`SUMMARY ${JSON.stringify({ name: 'webhook p99 at 50k vs 1k stored annotations', value: `${rows[1]['p99 ms']} ms vs ${rows[0]['p99 ms']} ms (×${ratio.toFixed(2)})`, ok })}`);
process.exit(ok ? 0 : 1);
