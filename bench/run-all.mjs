// `npm run bench`: every benchmark in turn, then one table of their headline figures.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const scripts = ['server.mjs', 'load.mjs', 'training.mjs', 'webhook-examples.mjs', 'responsiveness.mjs', 'overload.mjs', 'faults.mjs', 'onnx/predict.mjs', 'tfjs/bench.mjs', 'transformers/bench.mjs'];
const rows = [];
for (const script of scripts) {
  const file = fileURLToPath(new URL(script, import.meta.url));
  console.log(`\n=== ${script} ===`);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(r.stdout ?? '');
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('SUMMARY '));
  const summary = line ? JSON.parse(line.slice(8)) : { name: script, value: r.status === 0 ? 'see output above' : `exited ${r.status}` };
  rows.push({ bench: summary.name ?? script, result: summary.value, goal: summary.ok === undefined ? '' : summary.ok ? 'met' : 'NOT met' });
}
console.log('\n=== summary ===');
console.table(rows);
