// Drives the app over HTTP exactly as Label Studio does: GET /health → POST /setup → POST /predict with
// full task objects → ANNOTATION_CREATED webhooks → START_TRAINING → POST /job_status until finished →
// POST /predict again; then a restart on the same MODEL_DIR, and training from the Label Studio API.
// Data: a fixed sample of the SpamAssassin corpus (ham / spam).
import { promises as fs } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createServer, LabelInterface, validatePrediction, type LsmlServer } from '@lsml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotationWebhook, choicesResult, lsAnnotation, lsProject, lsTask, startTrainingWebhook } from '@lsml/core/testing';
import TextClassifier, { DEFAULT_TRAIN_EVERY, trainEveryFromEnv } from './model.js';
import { loadMails, shuffled, type Mail } from './spam-corpus.js';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="label" toName="text" choice="single">
    <Choice value="ham"/>
    <Choice value="spam"/>
  </Choices>
</View>`;
const NAMES = { fromName: 'label', toName: 'text' };
const PROJECT = 7;
const LS_PROJECT = `${PROJECT}.1714550400`; // Label Studio's "<id>.<created_at timestamp>"

const mails = shuffled(loadMails(), 1);
const TRAIN = mails.slice(0, 120);
const TEST = mails.slice(1000, 1200);
const majority = Math.max(...['ham', 'spam'].map((l) => TEST.filter((m) => m.label === l).length)) / TEST.length;

interface Prediction {
  model_version: string;
  score: number;
  result: Array<{ from_name: string; to_name: string; type: string; value: { choices: string[] } }>;
}
interface JobStatus {
  job: string;
  job_status: string;
  error: string | null;
  model_version: string | null;
  result: { examples: number; labels: string[]; temperature: number; ranOn: string } | null;
}

const roots: string[] = [];
const servers: LsmlServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const r of roots) await fs.rm(r, { recursive: true, force: true });
});

async function start(modelDir: string, env: NodeJS.ProcessEnv = {}) {
  const server = createServer(TextClassifier, { modelDir, env, logLevel: 'silent', strictValidation: true });
  servers.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  const post = async <T = Record<string, unknown>>(route: string, body: unknown) => {
    const res = await fetch(url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const predict = async (items: readonly Mail[], project = LS_PROJECT) =>
    post<{ results: Prediction[] }>('/predict', {
      tasks: items.map((m) => lsTask(m.id, { text: m.text }, Number.parseInt(project, 10))),
      project,
      label_config: CONFIG,
      params: { login: null, password: null, context: null },
    });
  const waitForJob = async (job: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { body } = await post<JobStatus>('/job_status', { job });
      if (body.job_status === 'finished' || body.job_status === 'failed') return body;
      if (Date.now() > deadline) throw new Error(`job ${job} still ${body.job_status}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { server, url, post, predict, waitForJob };
}

const tempDir = async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-text-classifier-'));
  roots.push(dir);
  return dir;
};

/** §5.4: one result per task, the /setup version on each, scores in [0, 1], valid against the config. */
function checkPredictions(results: Prediction[], tasks: readonly Mail[], version: string) {
  const li = new LabelInterface(CONFIG);
  expect(results).toHaveLength(tasks.length);
  for (const p of results) {
    const { ok, errors } = validatePrediction(li, p as never);
    expect(errors).toEqual([]);
    expect(ok).toBe(true);
    expect(p.model_version).toBe(version);
    expect(p.score).toBeGreaterThanOrEqual(0);
    expect(p.score).toBeLessThanOrEqual(1);
    expect(p.result).toHaveLength(1);
    expect(p.result[0]).toMatchObject({ from_name: 'label', to_name: 'text', type: 'choices' });
    expect(['ham', 'spam']).toContain(p.result[0]!.value.choices[0]);
  }
}

const accuracy = (results: Prediction[], tasks: readonly Mail[]) =>
  results.filter((p, i) => p.result[0]?.value.choices[0] === tasks[i]!.label).length / tasks.length;

describe('text-classifier over HTTP, as Label Studio drives it', () => {
  let app: Awaited<ReturnType<typeof start>>;
  let modelDir: string;
  let trainedVersion: string;
  let trainedResults: Prediction[];
  const project = lsProject(PROJECT, CONFIG);

  beforeAll(async () => {
    modelDir = await tempDir();
    app = await start(modelDir);
  });

  it('answers the health check and /setup with its starting version', async () => {
    expect(await (await fetch(`${app.url}/health`)).json()).toEqual({ model_class: 'TextClassifier', status: 'UP' });
    const setup = await app.post('/setup', { project: LS_PROJECT, schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'ls-token', extra_params: '' });
    expect(setup).toEqual({ status: 200, body: { model_version: 'TextClassifier-v0' } });
  });

  it('predicts nothing before any training (Label Studio stores no prediction and asks again later)', async () => {
    expect(await app.predict(TEST.slice(0, 5))).toEqual({ status: 200, body: { results: [] } });
  });

  it(`takes ANNOTATION_CREATED webhooks, training in the background every ${DEFAULT_TRAIN_EVERY} annotations`, async () => {
    const answers = [];
    for (const mail of TRAIN) {
      const res = await app.post<{ status: string; job?: string; result: { status: string } }>('/webhook', annotationWebhook(project, { id: mail.id, data: { text: mail.text } }, lsAnnotation(mail.id, mail.id, project.id, [choicesResult(NAMES.fromName, NAMES.toName, mail.label)])));
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('ok');
      answers.push(res.body);
    }
    // The first nine wait for the threshold; the tenth schedules a job (and says so top-level).
    expect(answers.slice(0, DEFAULT_TRAIN_EVERY - 1).map((a) => a.result.status)).toEqual(Array(DEFAULT_TRAIN_EVERY - 1).fill('skipped'));
    expect(answers[DEFAULT_TRAIN_EVERY - 1]).toMatchObject({ result: { status: 'scheduled' }, job: expect.any(String) });
  });

  it('trains on START_TRAINING (project id from the payload), then serves the new version at once', async () => {
    const res = await app.post<{ job: string }>('/webhook', startTrainingWebhook(project));
    expect(res.status).toBe(201);
    const job = await app.waitForJob(res.body.job);
    expect(job.error).toBeNull();
    expect(job.job_status).toBe('finished');
    expect(job.model_version).toMatch(/^TextClassifier-v\d+$/);
    // Trained in a worker thread, on one example per annotated task.
    expect(job.result).toMatchObject({ examples: TRAIN.length, labels: ['ham', 'spam'], ranOn: 'worker' });
    trainedVersion = job.model_version!;

    const setup = await app.post('/setup', { project: LS_PROJECT, schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'ls-token', extra_params: '' });
    expect(setup.body).toEqual({ model_version: trainedVersion });

    const { status, body } = await app.predict(TEST);
    expect(status).toBe(200);
    checkPredictions(body.results, TEST, trainedVersion);
    trainedResults = body.results;
    const acc = accuracy(body.results, TEST);
    // 120 annotations: clearly above always answering the majority class (~70 % here).
    expect(acc).toBeGreaterThan(0.85);
    expect(acc).toBeGreaterThan(majority + 0.1);
  });

  it('scores rank the predictions: the confident half is more accurate than the uncertain half', () => {
    const ranked = trainedResults.map((p, i) => ({ p, mail: TEST[i]! })).sort((a, b) => b.p.score - a.p.score);
    const half = ranked.length / 2;
    const acc = (xs: typeof ranked) => xs.filter((x) => x.p.result[0]!.value.choices[0] === x.mail.label).length / xs.length;
    expect(acc(ranked.slice(0, half))).toBeGreaterThan(acc(ranked.slice(half)));
    expect(acc(ranked.slice(0, half))).toBeGreaterThan(0.9);
    // Binary choice: the score of the chosen label is at least one half.
    for (const { p } of ranked) expect(p.score).toBeGreaterThanOrEqual(0.5);
  });

  it('serves the trained version after a restart on the same MODEL_DIR', async () => {
    await app.server.close();
    const again = await start(modelDir);
    const setup = await again.post('/setup', { project: LS_PROJECT, schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'ls-token', extra_params: '' });
    expect(setup.body).toEqual({ model_version: trainedVersion });
    const { body } = await again.predict(TEST);
    checkPredictions(body.results, TEST, trainedVersion);
    expect(body.results.map((p) => p.result[0]!.value.choices[0])).toEqual(trainedResults.map((p) => p.result[0]!.value.choices[0]));
    body.results.forEach((p, i) => expect(p.score).toBeCloseTo(trainedResults[i]!.score, 5));
    app = again;
  });

  it('answers START_TRAINING without annotations with a failed job, not a 500, and keeps serving', async () => {
    const empty = lsProject(8, CONFIG);
    const res = await app.post<{ job: string }>('/webhook', startTrainingWebhook(empty));
    expect(res.status).toBe(201);
    const job = await app.waitForJob(res.body.job);
    expect(job.job_status).toBe('failed');
    expect(job.error).toMatch(/No annotated task to train on/);
    const setup = await app.post('/setup', { project: '8.1714550400', schema: CONFIG });
    expect(setup.body).toEqual({ model_version: 'TextClassifier-v0' });
  });

  it('refuses at /setup a label config without Choices over Text', async () => {
    const res = await app.post<{ detail: string }>('/setup', { project: '9.1', schema: '<View><Image name="img" value="$image"/><Choices name="c" toName="img"><Choice value="a"/></Choices></View>' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.detail).toMatch(/Choices.*Text/);
  });
});

describe('annotations stored one per task, and tasks without text', () => {
  it('keeps the latest annotation of a task once, forgets a deleted one, and trains on what is left', async () => {
    const app = await start(await tempDir());
    const projectId = 21;
    const project = lsProject(projectId, CONFIG);
    const sample = mails.slice(3000, 3008); // fewer than TRAIN_EVERY: no automatic job in between
    for (const m of sample) await app.post('/webhook', annotationWebhook(project, { id: m.id, data: { text: m.text } }, lsAnnotation(m.id, m.id, project.id, [choicesResult(NAMES.fromName, NAMES.toName, m.label)])));
    // The annotator changes their mind on the first task, then deletes the second task's annotation.
    const [first, second] = sample as [Mail, Mail];
    await app.post('/webhook', annotationWebhook(project, { id: first.id, data: { text: first.text } }, lsAnnotation(first.id, first.id, project.id, [choicesResult(NAMES.fromName, NAMES.toName, first.label === 'ham' ? 'spam' : 'ham')]), 'ANNOTATION_UPDATED'));
    // Label Studio's deletion webhook carries only the annotation ids.
    expect((await app.post('/webhook', { action: 'ANNOTATIONS_DELETED', annotations: [{ id: second.id }], project })).status).toBe(201);
    const res = await app.post<{ job: string }>('/webhook', startTrainingWebhook(project));
    const job = await app.waitForJob(res.body.job);
    expect(job.error).toBeNull();
    expect(job.result).toMatchObject({ examples: sample.length - 1 });
  });

  it('gives a task without text no prediction while its batch siblings are predicted', async () => {
    const app = await start(await tempDir());
    const projectId = 22;
    const project = lsProject(projectId, CONFIG);
    for (const m of TRAIN.slice(0, 40)) await app.post('/webhook', annotationWebhook(project, { id: m.id, data: { text: m.text } }, lsAnnotation(m.id, m.id, project.id, [choicesResult(NAMES.fromName, NAMES.toName, m.label)])));
    const res = await app.post<{ job: string }>('/webhook', startTrainingWebhook(project));
    const job = await app.waitForJob(res.body.job);
    expect(job.error).toBeNull();
    const tasks = [lsTask(90001, { title: 'no text field' }, projectId), lsTask(TEST[0]!.id, { text: TEST[0]!.text }, projectId), lsTask(90002, { text: 42 }, projectId)];
    const { status, body } = await app.post<{ results: unknown[] }>('/predict', { tasks, project: `${projectId}.1714550400`, label_config: CONFIG, params: { context: null } });
    expect(status).toBe(200);
    expect(body.results).toHaveLength(3);
    expect(body.results[0]).toEqual([]);
    expect(body.results[2]).toEqual([]);
    expect(body.results[1]).toMatchObject({ model_version: job.model_version, result: [{ from_name: 'label', to_name: 'text', type: 'choices' }] });
  });
});

describe('training from the Label Studio API', () => {
  it('retrains on every annotated task of the project on START_TRAINING, with no webhook seen', async () => {
    const projectId = 11;
    const sample = mails.slice(2000, 2100);
    const tasks = sample.map((m) => ({
      ...lsTask(m.id, { text: m.text }, projectId),
      is_labeled: true,
      total_annotations: 1,
      annotations: [lsAnnotation(m.id, m.id, projectId, [choicesResult(NAMES.fromName, NAMES.toName, m.label)])],
    }));
    // A stand-in for Label Studio's /api/tasks/ (two pages of 100, as the client asks for).
    const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const ls = createHttpServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      const u = new URL(req.url ?? '/', 'http://ls');
      if (u.pathname !== '/api/tasks/' || u.searchParams.get('project') !== String(projectId)) return void res.writeHead(404).end();
      const page = Number(u.searchParams.get('page'));
      const size = Number(u.searchParams.get('page_size'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tasks: [...tasks, lsTask(9999, { text: 'not labelled' }, projectId)].slice((page - 1) * size, page * size), total: tasks.length + 1 }));
    });
    await new Promise<void>((r) => ls.listen(0, '127.0.0.1', r));
    try {
      const lsUrl = `http://127.0.0.1:${(ls.address() as AddressInfo).port}`;
      const app = await start(await tempDir(), { LABEL_STUDIO_URL: lsUrl, LABEL_STUDIO_API_KEY: 'legacy-token' });
      const res = await app.post<{ job: string }>('/webhook', startTrainingWebhook(lsProject(projectId, CONFIG)));
      const job = await app.waitForJob(res.body.job);
      expect(job.error).toBeNull();
      expect(job.result).toMatchObject({ examples: sample.length });
      expect(seen[0]!.url).toBe(`/api/tasks/?project=${projectId}&page=1&page_size=100&fields=all`);
      expect(seen[0]!.headers.authorization).toBe('Token legacy-token');
      const { body } = await app.predict(TEST, `${projectId}.1714550400`);
      checkPredictions(body.results, TEST, job.model_version!);
      expect(accuracy(body.results, TEST)).toBeGreaterThan(majority + 0.1);
    } finally {
      ls.closeAllConnections();
      await new Promise((r) => ls.close(r));
    }
  });
});

describe('TRAIN_EVERY', () => {
  it(`defaults to ${DEFAULT_TRAIN_EVERY} and must be a positive integer`, () => {
    expect(trainEveryFromEnv({})).toBe(DEFAULT_TRAIN_EVERY);
    expect(trainEveryFromEnv({ TRAIN_EVERY: ' 25 ' })).toBe(25);
    expect(() => trainEveryFromEnv({ TRAIN_EVERY: '0' })).toThrow(/positive integer/);
    expect(() => trainEveryFromEnv({ TRAIN_EVERY: 'ten' })).toThrow(/positive integer/);
  });
});
