// The labelling loop on the SpamAssassin corpus, with this app playing the ML backend and the script
// playing Label Studio and its annotators:
//
//   npm run demo -w apps/text-classifier
//
// The app is started in-process on a free port with a temporary MODEL_DIR. A fixed test set of 1,000
// mails is held out. Each round the "annotators" label more mails (ANNOTATION_CREATED webhooks, one
// per annotation, as Label Studio sends them), press "Start Training" (START_TRAINING), wait for the
// job (POST /job_status), and the held-out accuracy is measured through POST /predict. It runs twice:
// mails in random order, and uncertainty-ordered (each round, the unlabelled mails whose predicted
// score is lowest: what sorting the Data Manager by prediction score gives an annotator).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '@lsml/core';
import { annotationWebhook, choicesResult, lsAnnotation, lsProject, lsTask, startTrainingWebhook } from '@lsml/core/testing';
import { textClassifier } from './model.js';
import { loadMails, shuffled, type Mail } from './spam-corpus.js';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="label" toName="text" choice="single">
    <Choice value="ham"/>
    <Choice value="spam"/>
  </Choices>
</View>`;
const NAMES = { fromName: 'label', toName: 'text' };
const STEPS = [25, 50, 100, 200, 300, 500, 1000];
const TEST_SIZE = 1000;
// --seed N picks the shuffle (held-out set, labelling order): `npm run demo -w apps/text-classifier -- --seed 3`.
const seedArg = process.argv.indexOf('--seed');
const SEED = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 42;
if (!Number.isInteger(SEED)) throw new Error(`--seed must be an integer, got ${process.argv[seedArg + 1]}`);

type Strategy = 'random' | 'uncertainty';
interface Row {
  annotations: number;
  accuracy: number;
  /** Job wall time (started → finished): collect examples, vectorise, fit, calibrate, save. */
  jobMs: number;
  /** Vectorising + fitting + calibrating in the worker (train_output.durationMs). */
  fitMs: number;
  /** L-BFGS iterations (train_output.iterations). */
  iterations: number;
  modelVersion: string;
}
interface PredictionOut {
  score?: number;
  model_version?: string;
  result: Array<{ value: { choices?: string[] } }>;
}

const started = performance.now();
const mails = shuffled(loadMails(), SEED);
const test = mails.slice(0, TEST_SIZE);
const pool = mails.slice(TEST_SIZE);
const spamShare = (m: readonly Mail[]) => ((100 * m.filter((x) => x.label === 'spam').length) / m.length).toFixed(0);
console.log(`Seed ${SEED}. SpamAssassin corpus: ${mails.length} mails (${spamShare(mails)} % spam); ${test.length} held out for testing, ${pool.length} to label.`);

// The annotators press "Start Training" after each batch. Automatic training every TRAIN_EVERY
// annotations would retrain mid-batch on models the demo never measures, so it is off here.
const DemoClassifier = textClassifier({ trainEvery: Number.MAX_SAFE_INTEGER });

const modelDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-text-classifier-demo-'));
// env: {} keeps a LABEL_STUDIO_URL of this shell out: the demo trains on its webhooks only.
const server = createServer(DemoClassifier, { modelDir, env: {}, logLevel: process.env.LOG_LEVEL ?? 'warn' });
const { url } = await server.listen(0, '127.0.0.1');

async function post<T>(route: string, body: unknown): Promise<T> {
  const res = await fetch(url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function predict(projectId: number, items: readonly Mail[]): Promise<PredictionOut[]> {
  const tasks = items.map((m) => lsTask(m.id, { text: m.text }, projectId));
  const { results } = await post<{ results: PredictionOut[] }>('/predict', { tasks, project: `${projectId}.1714550400`, label_config: CONFIG, params: { login: null, password: null, context: null } });
  return results;
}

async function waitForJob(job: string) {
  for (;;) {
    const s = await post<{ job_status: string; error: string | null; model_version: string | null; started_at: string; finished_at: string | null; result: { durationMs: number; iterations: number } | null }>('/job_status', { job });
    if (s.job_status === 'failed') throw new Error(`training job ${job} failed: ${s.error}`);
    if (s.job_status === 'finished') return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run(strategy: Strategy, projectId: number): Promise<Row[]> {
  const project = lsProject(projectId, CONFIG);
  const setup = await post<{ model_version: string }>('/setup', { project: `${projectId}.1714550400`, schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'demo-token', extra_params: '' });
  console.log(`\n${strategy} order (project ${projectId}, starts at ${setup.model_version})`);
  let unlabelled = [...pool];
  let labelled = 0;
  const rows: Row[] = [];
  for (const target of STEPS) {
    let batch: Mail[];
    if (strategy === 'random' || labelled === 0) {
      batch = unlabelled.slice(0, target - labelled); // the pool is already shuffled
    } else {
      // Least confident first: the calibrated score of the predicted label, lowest first.
      const predictions = await predict(projectId, unlabelled);
      const order = unlabelled.map((m, i) => ({ m, score: predictions[i]?.score ?? 0 })).sort((a, b) => a.score - b.score);
      batch = order.slice(0, target - labelled).map((x) => x.m);
    }
    const chosen = new Set(batch);
    unlabelled = unlabelled.filter((m) => !chosen.has(m));
    for (const mail of batch) {
      await post('/webhook', annotationWebhook(project, { id: mail.id, data: { text: mail.text } }, lsAnnotation(mail.id, mail.id, project.id, [choicesResult(NAMES.fromName, NAMES.toName, mail.label)])));
    }
    labelled += batch.length;
    const { job } = await post<{ job: string }>('/webhook', startTrainingWebhook(project));
    const status = await waitForJob(job);
    const results = await predict(projectId, test);
    const correct = results.filter((r, i) => r.result[0]?.value.choices?.[0] === test[i]!.label).length;
    const row: Row = {
      annotations: labelled,
      accuracy: correct / test.length,
      jobMs: Date.parse(status.finished_at!) - Date.parse(status.started_at),
      fitMs: status.result!.durationMs,
      iterations: status.result!.iterations,
      modelVersion: status.model_version!,
    };
    rows.push(row);
    const spam = batch.filter((m) => m.label === 'spam').length;
    console.log(
      `  ${String(labelled).padStart(4)} annotations (+${batch.length}, ${spam} spam): accuracy ${pct(row.accuracy)}, ` +
        `job ${(row.jobMs / 1000).toFixed(1)} s (fit ${(row.fitMs / 1000).toFixed(1)} s, ${row.iterations} L-BFGS iterations) → ${row.modelVersion}`,
    );
  }
  return rows;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function table(random: Row[], uncertain: Row[]): string {
  const lines = [
    '| annotations | random order | uncertainty order | training job (random / uncertainty) |',
    '|---:|---:|---:|---:|',
  ];
  random.forEach((r, i) => {
    const u = uncertain[i]!;
    lines.push(`| ${r.annotations} | ${pct(r.accuracy)} | ${pct(u.accuracy)} | ${(r.jobMs / 1000).toFixed(1)} s / ${(u.jobMs / 1000).toFixed(1)} s |`);
  });
  return lines.join('\n');
}

/** Accuracy (y) against annotations (x, one column per step): r = random, u = uncertainty, * = both. */
function plot(random: Row[], uncertain: Row[]): string {
  const all = [...random, ...uncertain].map((r) => r.accuracy);
  const lo = Math.floor(Math.min(...all) * 20) / 20; // down to a multiple of 5 %
  const step = 0.01;
  const rows = Math.round((1 - lo) / step);
  const width = 7;
  const cell = (acc: number) => Math.round((acc - lo) / step);
  const out: string[] = [];
  for (let y = rows; y >= 0; y--) {
    const label = y % 5 === 0 ? `${Math.round(100 * (lo + y * step))} %`.padStart(6) : ''.padStart(6);
    let line = `${label} |`;
    random.forEach((r, i) => {
      const hitR = cell(r.accuracy) === y;
      const hitU = cell(uncertain[i]!.accuracy) === y;
      const mark = hitR && hitU ? '*' : hitR ? 'r' : hitU ? 'u' : ' ';
      line += mark.padStart(Math.ceil(width / 2)).padEnd(width);
    });
    out.push(line.trimEnd());
  }
  out.push(`${''.padStart(6)} +${'-'.repeat(width * random.length)}`);
  out.push(`${''.padStart(8)}${random.map((r) => String(r.annotations).padStart(Math.ceil(width / 2) + 1).padEnd(width)).join('')}  annotations`);
  out.push(`${''.padStart(8)}r = random order, u = uncertainty order, * = both`);
  return out.join('\n');
}

try {
  const random = await run('random', 1);
  const uncertain = await run('uncertainty', 2);
  console.log(`\nHeld-out accuracy on ${test.length} mails (${spamShare(test)} % spam; always answering "ham" scores ${pct(test.filter((m) => m.label === 'ham').length / test.length)}):\n`);
  console.log(table(random, uncertain));
  console.log(`\n${plot(random, uncertain)}\n`);
  const at500 = [random, uncertain].map((rows) => rows.find((r) => r.annotations === 500)!);
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `Training on 500 annotations: job ${at500.map((r) => secs(r.jobMs)).join(' / ')} ` +
      `(fit in the worker ${at500.map((r) => secs(r.fitMs)).join(' / ')}), random / uncertainty order.`,
  );
  console.log(`Demo finished in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
} finally {
  await server.close();
  await fs.rm(modelDir, { recursive: true, force: true });
}
