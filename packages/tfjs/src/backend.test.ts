import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, createServer, MemoryStore, validatePrediction, type LsmlServer, type Task, type TrainingContext } from '@lsml/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES_KEY, TfjsTextClassifier, type TfjsTrainOutput } from './backend.js';
import { initTfjs } from './runtime.js';
import { syntheticExamples } from './synthetic-text.test-helper.js';
import type { TextExample } from './text-classifier.js';

const CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/></Choices></View>';
const train = syntheticExamples(300, 1);
const heldOut = syntheticExamples(200, 2);

class Sentiment extends TfjsTextClassifier {
  // A job per 100 annotations: the first one already sees all three labels.
  static override training = { trainEvery: 100 };
  protected override classifierOptions() {
    return { vectorizer: { dims: 1024 } };
  }
}

const task = (id: number, text: string): Task => ({ id, data: { text }, project: 7 });
const annotation = (id: number, label: string, extra: Record<string, unknown> = {}) => ({
  id,
  task: id,
  project: 7,
  was_cancelled: false,
  result: [{ id: `r${id}`, from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [label] }, origin: 'manual' }],
  ...extra,
});
const annotationCreated = (id: number, ex: TextExample) => ({ annotation: annotation(id, ex.label), task: task(id, ex.text) });
const choiceOf = (r: { result: Array<{ value: Record<string, unknown> }> }) => (r.result[0]?.value.choices as string[] | undefined)?.[0];

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-tfjs-backend-'));
  await initTfjs({ backend: 'wasm' });
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

function fakeContext(dir: string, events: TrainingContext['events'], extra: Partial<TrainingContext> = {}): TrainingContext & { progressed: number[] } {
  const progressed: number[] = [];
  return {
    job: {} as TrainingContext['job'],
    projectId: '7',
    events,
    artifactDir: dir,
    previousVersion: '0.0.1',
    nextVersion: '0.1.0',
    previousArtifactDir: null,
    signal: new AbortController().signal,
    progress: async (p) => void progressed.push(p),
    labelStudio: () => {
      throw new Error('Label Studio URL is not set');
    },
    logger: createLogger({ level: 'silent' }),
    progressed,
    ...extra,
  };
}

describe('TfjsTextClassifier (LabelStudioMLBase)', () => {
  let model: Sentiment;
  beforeAll(async () => {
    model = await Sentiment.create({ projectId: '7', labelConfig: CONFIG, store: new MemoryStore(), logger: createLogger({ level: 'silent' }) });
  });

  it('predicts nothing until a model is loaded', async () => {
    expect((await model.predict([task(1, 'great')])).predictions).toEqual([]);
    expect(model.tfjs?.backend).toBe('wasm');
  });

  it('trains from webhook events in a job, then serves valid, calibrated choices in one batch', async () => {
    const dir = path.join(root, 'job-1');
    await fs.mkdir(dir); // core creates the job's directory before calling train
    // What fit records for each webhook (fit itself also schedules, which needs the server's queue).
    await Promise.all(train.map((ex, i) => model.recordAnnotations('ANNOTATION_CREATED', annotationCreated(i + 1, ex))));
    // A bulk delete of two annotations, and a cancelled one: neither is a training example.
    await model.recordAnnotations('ANNOTATIONS_DELETED', { annotations: [{ id: 1 }, { id: 2 }] });
    await model.recordAnnotations('ANNOTATION_CREATED', { annotation: annotation(999, 'Positive', { was_cancelled: true }), task: task(999, 'x') });
    const stored = async () => (await model.getJSON<Record<string, unknown>>(EXAMPLES_KEY))!;
    expect(Object.keys(await stored())).toHaveLength(298);
    expect((await stored())['1']).toBeUndefined();
    // Bulk creation: several annotations, tasks referenced by id.
    await model.recordAnnotations('ANNOTATIONS_CREATED', {
      annotation: [annotation(1, train[0]!.label), annotation(2, train[1]!.label)],
      task: [task(2, train[1]!.text), task(1, train[0]!.text)],
    });
    expect((await stored())['1']).toEqual({ ...train[0], annotationId: 1 });
    expect((await stored())['2']).toEqual({ ...train[1], annotationId: 2 });
    const ctx = fakeContext(dir, []);
    const output = (await model.train(ctx)) as TfjsTrainOutput;
    expect(output).toMatchObject({ examples: 300, backend: 'wasm', labels: ['Positive', 'Negative', 'Neutral'] });
    expect(JSON.parse(JSON.stringify(output))).toEqual(output); // train_output must serialise
    expect(ctx.progressed[0]).toBe(0);
    expect(ctx.progressed.at(-1)).toBe(100);
    expect((await fs.readdir(dir)).sort()).toEqual(['model.json', 'vectorizer.json', 'weights.bin']);
    await expect(model.predict([task(1, 'x')])).resolves.toMatchObject({ predictions: [] }); // not published yet

    await model.loadVersion('0.1.0', dir);
    const before = tf.memory().numTensors;
    const response = await model.predict(heldOut.map((ex, i) => task(i, ex.text)));
    expect(tf.memory().numTensors).toBe(before);
    const predictions = response.predictions as Array<{ score: number; result: Array<{ value: Record<string, unknown> }> }>;
    expect(predictions).toHaveLength(heldOut.length);
    for (const p of predictions) {
      expect(validatePrediction(model.labelInterface!, p)).toMatchObject({ ok: true });
      expect(p.score).toBeGreaterThan(0.3);
      expect(p.score).toBeLessThanOrEqual(1);
    }
    const correct = predictions.filter((p, i) => choiceOf(p) === heldOut[i]!.label).length;
    expect(correct / heldOut.length).toBeGreaterThan(0.85);
  });

  it('uses the Label Studio API when configured, and rejects on abort without saving', async () => {
    const tasks = train.slice(0, 60).map((ex, i) => ({ ...task(i, ex.text), annotations: [annotation(i, 'Neutral'), annotation(1000 + i, ex.label)] }));
    const calls: string[] = [];
    const client = { annotatedTasks: async (project: string) => (calls.push(project), tasks) } as unknown as ReturnType<TrainingContext['labelStudio']>;
    const dir = path.join(root, 'job-2');
    await fs.mkdir(dir);
    const output = await model.train(fakeContext(dir, [], { labelStudio: () => client }));
    expect(calls).toEqual(['7']);
    expect(output.examples).toBe(60); // the latest annotation of each task
    expect(model.examplesFromTasks(tasks).map((e) => e.label)).toEqual(train.slice(0, 60).map((e) => e.label));

    const aborted = path.join(root, 'job-3');
    await fs.mkdir(aborted);
    const controller = new AbortController();
    const ctx = fakeContext(aborted, [], { labelStudio: () => client, signal: controller.signal, progress: async (p) => void (p > 0 && controller.abort()) });
    await expect(model.train(ctx)).rejects.toMatchObject({ name: 'AbortError' });
    expect(await fs.readdir(aborted)).toEqual([]);
  });

  it('refuses to train on a single label, naming the problem', async () => {
    const dir = path.join(root, 'job-4');
    const fresh = await Sentiment.create({ projectId: '8', labelConfig: CONFIG, store: new MemoryStore(), logger: createLogger({ level: 'silent' }) });
    await fresh.recordAnnotations('ANNOTATION_CREATED', annotationCreated(1, { text: 'good', label: 'Positive' }));
    await expect(fresh.train(fakeContext(dir, []))).rejects.toThrow('Need annotations with at least two different labels to train (have 1 examples)');
  });
});

describe('TfjsTextClassifier behind the lsml server', () => {
  const servers: LsmlServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  async function start(modelDir: string) {
    const server = createServer(Sentiment, { modelDir, env: {}, logLevel: 'silent' });
    servers.push(server);
    const { url } = await server.listen(0, '127.0.0.1');
    return { server, url };
  }
  const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const predict = async (url: string) =>
    ((await (await post(`${url}/predict`, { tasks: heldOut.slice(0, 50).map((ex, i) => task(i, ex.text)), project: '7.1', label_config: CONFIG })).json()) as {
      results: Array<{ model_version: string; score: number; result: Array<{ value: Record<string, unknown> }> }>;
    }).results;

  it('trains on a burst of annotation webhooks, publishes a version, and serves it again after a restart', async () => {
    const modelDir = path.join(root, 'server');
    const { server, url } = await start(modelDir);
    expect(await predict(url)).toEqual([]);
    const project = { id: 7, label_config: CONFIG };
    for (let start = 0; start < train.length; start += 25) {
      const batch = train.slice(start, start + 25).map((ex, i) => post(`${url}/webhook`, { action: 'ANNOTATION_CREATED', project, ...annotationCreated(start + i + 1, ex) }));
      for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
    }
    expect((await post(`${url}/webhook`, { action: 'START_TRAINING', project })).status).toBe(201); // trains on all 300
    const jobs = await server.trainingQueue.listJobs('7');
    for (const job of jobs) {
      for (let i = 0; ; i++) {
        const status = (await (await post(`${url}/job_status`, { job: job.id })).json()) as { job_status: string; error?: string };
        if (status.job_status === 'finished') break;
        expect(status.job_status).not.toBe('failed');
        expect(i).toBeLessThan(300);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const results = await predict(url);
    expect(results).toHaveLength(50);
    const version = results[0]!.model_version;
    expect(version).toBe(`0.${jobs.length}.0`); // one minor bump per job
    const correct = results.filter((r, i) => choiceOf(r) === heldOut[i]!.label).length;
    expect(correct / results.length).toBeGreaterThan(0.8);
    const output = JSON.parse((await server.store.get('7', 'train_output'))!) as TfjsTrainOutput;
    expect(output.examples).toBe(train.length);

    await server.close();
    const again = await start(modelDir);
    expect(await predict(again.url)).toEqual(results);
  });
});
