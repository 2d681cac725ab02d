// Shared pieces of the benchmark scripts: start a real `lsml start` process, run autocannon.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const CLI = path.join(root, 'packages/core/dist/cli.js');
export const fixture = (name) => path.join(root, 'bench/fixtures', name);

/** Start `lsml start <model>` on a free port; resolves once it listens. */
export function startLsml(model, { env = {}, args = [], nodeArgs = [], modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-bench-')) } = {}) {
  return startProcess(process.execPath, [...nodeArgs, CLI, 'start', model, '--port', '0', '--host', '127.0.0.1', '--model-dir', modelDir, ...args], env).then((s) => ({ ...s, modelDir }));
}

export function startProcess(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const onData = (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.includes('lsml server listening'));
      if (line) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ child, url: JSON.parse(line).url, stop: (signal = 'SIGTERM') => stop(child, signal) });
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code} before listening`)));
  });
}

function stop(child, signal) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

export function cannon(opts) {
  return new Promise((resolve, reject) => autocannon(opts, (err, r) => (err ? reject(err) : resolve(r))));
}

/** Node flags for `startLsml` that let `rssAfterGc` run full garbage collections in the server. */
export const GC_ON_SIGNAL = ['--expose-gc', '--require', path.join(root, 'bench/fixtures/gc-on-signal.cjs')];

/** RSS (kB) of a server started with GC_ON_SIGNAL, after full garbage collections and a settle time. */
export async function rssAfterGc(pid, settleMs = 1000) {
  process.kill(pid, 'SIGUSR2');
  // The collections take 200 ms; V8 returns freed pages to the OS in the background after that.
  await new Promise((r) => setTimeout(r, settleMs));
  return rssKb(pid);
}

export const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export const CHOICES = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';

export function rssKb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

export const row = (name, r) => ({ case: name, 'req/s': Math.round(r.requests.average), 'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx });

/**
 * One result row of a bench: `value` measured, optional same-run `baseline` (then `ratio` = value /
 * baseline), the `goal` in words and whether it was `met` (null: a figure without a goal).
 */
export function resultRow(name, { value, unit = '', baseline, goal = '', met = null, note }) {
  const r = { name, value, unit };
  if (baseline !== undefined && baseline !== null) {
    r.baseline = baseline;
    r.ratio = baseline === 0 ? null : Number((value / baseline).toFixed(3));
  }
  r.goal = goal;
  r.met = met;
  if (note) r.note = note;
  return r;
}

/**
 * Print the rows as a table (met/MISSED per row), then the machine-readable line `bench/run-all.mjs`
 * collects: `SUMMARY {"bench":..,"rows":[..]}`. A missed row sets a non-zero exit code.
 */
export function printSummary(bench, rows) {
  console.table(
    rows.map((r) => ({
      row: r.name,
      value: `${r.value}${r.unit ? ` ${r.unit}` : ''}`,
      baseline: r.baseline === undefined ? (r.note ?? '') : `${r.baseline}${r.unit ? ` ${r.unit}` : ''}`,
      ratio: r.ratio ?? '',
      goal: r.goal,
      result: r.met === null ? '' : r.met ? 'met' : 'MISSED',
    })),
  );
  for (const r of rows) if (r.met !== null) console.log(`${bench}: ${r.name}: ${r.met ? 'met' : 'MISSED'} (${r.goal})`);
  console.log(`SUMMARY ${JSON.stringify({ bench, rows })}`);
  if (rows.some((r) => r.met === false)) process.exitCode = 1;
}
