// Throughput and latency of `/predict` and `/health` for a trivial model on one lsml process, against a
// bare node:http baseline measured in the same run. Usage: node bench/server.mjs [--duration 10]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argDuration = process.argv.indexOf('--duration');
const duration = argDuration > 0 ? Number(process.argv[argDuration + 1]) : 10;
const connections = 50;

const labelConfig =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';
const predictBody = JSON.stringify({
  tasks: [{ id: 1, data: { text: 'I love it' } }],
  project: '1.1700000000',
  label_config: labelConfig,
  params: { login: null, password: null, context: null },
});

function start(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.includes('lsml server listening'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

function run(url, opts) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function measure(name, url) {
  // Warm up the JIT and the per-project instance before measuring.
  await run(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: predictBody, duration: 2 });
  const predict = await run(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: predictBody });
  const health = await run(`${url}/health`, {});
  const row = (route, r) => ({
    server: name,
    route,
    'req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    errors: r.errors + r.non2xx,
  });
  return [row('/predict', predict), row('/health', health)];
}

const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-bench-'));
const lsml = await start(process.execPath, [path.join(root, 'packages/core/dist/cli.js'), 'start', path.join(root, 'bench/fixtures/trivial-model.ts'), '--port', '0', '--host', '127.0.0.1', '--model-dir', modelDir]);
const rowsLsml = await measure('lsml', lsml.url);
lsml.child.kill('SIGTERM');
const bare = await start(process.execPath, [path.join(root, 'bench/bare-server.mjs')]);
const rowsBare = await measure('bare node:http', bare.url);
bare.child.kill('SIGTERM');

console.log(`\n${os.cpus().length} CPUs, ${connections} connections, ${duration}s per run (client and server share the machine)`);
console.table([...rowsLsml, ...rowsBare]);
for (const i of [0, 1]) {
  console.log(`${rowsLsml[i].route}: lsml / bare = ${(rowsLsml[i]['req/s'] / rowsBare[i]['req/s']).toFixed(2)}`);
}
const target = 6500;
console.log(`/predict target >= ${target} req/s: ${rowsLsml[0]['req/s'] >= target ? 'met' : 'NOT met'} (${rowsLsml[0]['req/s']})`);
console.log(`SUMMARY ${JSON.stringify({ name: 'server', value: `/predict ${rowsLsml[0]['req/s']} req/s (p99 ${rowsLsml[0]['p99 ms']} ms), /health ${rowsLsml[1]['req/s']} req/s; ${(rowsLsml[0]['req/s'] / rowsBare[0]['req/s']).toFixed(2)}× bare node:http`, ok: rowsLsml[0]['req/s'] >= target })}`);
