// `npm run bench`: every benchmark in turn, then one table of their rows (each script prints one
// `SUMMARY {"bench":..,"rows":[..]}` line). Exits non-zero when a row missed its goal or a script failed.
// Flags: --write-readme  write the table into README.md between <!-- bench:start --> and <!-- bench:end -->
//        --only a,b      run only the named scripts (e.g. --only server.mjs,load.mjs)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const ALL = [
  'server.mjs',
  'load.mjs',
  'training.mjs',
  'bulk-predict.mjs',
  'webhook-storage.mjs',
  'responsiveness.mjs',
  'overload.mjs',
  'faults.mjs',
  'text-classifier.mjs',
  'ocr.mjs',
  'images.mjs',
  'apps-rss.mjs',
  'onnx/predict.mjs',
  'tfjs/bench.mjs',
  'transformers/bench.mjs',
];
const flag = (name) => process.argv.includes(name);
const onlyAt = process.argv.indexOf('--only');
const scripts = onlyAt > 0 ? process.argv[onlyAt + 1].split(',') : ALL;

const loadBefore = os.loadavg()[0];
const rows = [];
let failed = false;
for (const script of scripts) {
  const file = fileURLToPath(new URL(script, import.meta.url));
  console.log(`\n=== ${script} ===`);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(r.stdout ?? '');
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('SUMMARY '));
  const summary = line ? JSON.parse(line.slice(8)) : null;
  if (!summary?.rows?.length) {
    failed = true;
    rows.push({ bench: script, name: 'no SUMMARY line', value: `exited ${r.status ?? r.signal}`, unit: '', goal: 'prints its rows', met: false });
    continue;
  }
  for (const row of summary.rows) rows.push({ bench: summary.bench, ...row });
  if (r.status !== 0 && summary.rows.every((x) => x.met !== false)) {
    failed = true;
    rows.push({ bench: summary.bench, name: 'script exit status', value: r.status ?? r.signal, unit: '', goal: '0', met: false });
  }
}

const fmt = (v, unit) => (v === undefined || v === null ? '' : `${v}${unit ? ` ${unit}` : ''}`);
const result = (met) => (met === null || met === undefined ? '—' : met ? 'met' : 'MISSED');
console.log('\n=== summary ===');
console.table(rows.map((r) => ({ bench: r.bench, row: r.name, value: fmt(r.value, r.unit), baseline: fmt(r.baseline, r.unit), ratio: r.ratio ?? '', goal: r.goal, result: result(r.met) })));
const missed = rows.filter((r) => r.met === false);
console.log(missed.length ? `${missed.length} row(s) MISSED: ${missed.map((r) => `${r.bench}: ${r.name}`).join('; ')}` : 'every goal met');

if (flag('--write-readme')) {
  const cpus = os.cpus();
  const machine = `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ${os.platform()} ${os.release()}; run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; load average before the run ${loadBefore.toFixed(1)}`;
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  const table = [
    `Produced by \`node bench/run-all.mjs --write-readme\`${onlyAt > 0 ? ` (scripts: ${scripts.join(', ')})` : ''} on: ${machine}.`,
    'Client and server share the machine; ratios compare against a baseline measured in the same run.',
    '',
    '| bench | row | value | baseline | ratio | goal | result |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${esc(r.bench)} | ${esc(r.name)} | ${esc(fmt(r.value, r.unit))} | ${esc(fmt(r.baseline, r.unit))} | ${r.ratio ?? ''} | ${esc(r.goal)} | ${result(r.met)} |`),
  ].join('\n');
  const readme = fileURLToPath(new URL('../README.md', import.meta.url));
  const text = fs.readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) {
    console.error(`README.md has no ${start} … ${end} markers; table not written`);
    process.exitCode = 1;
  } else {
    fs.writeFileSync(readme, `${text.slice(0, i + start.length)}\n${table}\n${text.slice(j)}`);
    console.log('README.md benchmark table written');
  }
}
if (failed || missed.length) process.exitCode = 1;
