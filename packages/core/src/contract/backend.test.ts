import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { choicesHead } from '../heads/choices-head.js';
import { spansHead } from '../heads/spans-head.js';
import { validatePrediction } from '../label-config/validate-prediction.js';
import { LabelInterface } from '../label-config/label-interface.js';
import { createLogger } from '../logger.js';
import { createServer, type CreateServerOptions, type LsmlServer } from '../server/create-server.js';
import { MemoryStore } from '../state/memory-store.js';
import { SqliteStore } from '../state/sqlite-store.js';
import type { BackendClass } from '../model/label-studio-ml-base.js';
import { backend, EXAMPLE_KEY_PREFIX } from './backend.js';
import { DictionaryTagger, KeywordClassifier, NaiveBayesClassifier } from './test-runtimes.test-helper.js';
import { captureLogs as captureLogsWith } from '../testing/index.js';

const CHOICES = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';
const LABELS = '<View><Labels name="ner" toName="text"><Label value="PER"/><Label value="LOC"/></Labels><Text name="text" value="$text"/></View>';
const IMAGE_ONLY = '<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels></View>';

const running: LsmlServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const captureLogs = () => captureLogsWith(createLogger);

async function start(Model: BackendClass, options: CreateServerOptions = {}) {
  const server = createServer(Model, { store: new MemoryStore(), env: {}, logLevel: 'silent', ...options });
  running.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  return { server, url };
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { results: unknown[] } };
};

describe('backend({ runtime, head }) over HTTP', () => {
  it('predicts Choices for every task and names the class after the runtime and head', async () => {
    const Model = backend({ runtime: new KeywordClassifier({ good: 'Positive', bad: 'negative' }), head: choicesHead() });
    expect(Model.name).toBe('keywords-choices');
    const { url } = await start(Model);
    const setup = await post(`${url}/setup`, { project: '1.1', schema: CHOICES });
    expect(setup).toEqual({ status: 200, body: { model_version: 'keyword-sentiment' } });
    const { status, body } = await post(`${url}/predict`, {
      tasks: [
        { id: 1, data: { text: 'good good film' } },
        { id: 2, data: { text: 'bad film' } },
      ],
      project: '1.1',
      label_config: CHOICES,
    });
    expect(status).toBe(200);
    const results = body.results as Array<{ model_version: string; score: number; result: Array<{ value: { choices: string[] } }> }>;
    expect(results.map((r) => r.result[0]!.value.choices)).toEqual([['Positive'], ['Negative']]);
    expect(results.every((r) => r.model_version === 'keyword-sentiment' && r.score > 0.5 && r.score <= 1)).toBe(true);
  });

  it('gives a task without its field no prediction ([] at its place), warns naming task and field, and predicts its siblings', async () => {
    const { lines, logger } = captureLogs();
    const Model = backend({ runtime: new KeywordClassifier({ good: 'Positive', bad: 'Negative' }), head: choicesHead() });
    const { url } = await start(Model, { logger });
    const { status, body } = await post(`${url}/predict`, {
      tasks: [
        { id: 1, data: { text: 'good' } },
        { id: 2, data: { other: 'x' } },
        { id: 3, data: { text: 42 } },
        { id: 4, data: { text: 'bad' } },
      ],
      project: '1.1',
      label_config: CHOICES,
    });
    expect(status).toBe(200);
    expect(body.results).toHaveLength(4);
    expect(body.results[1]).toEqual([]);
    expect(body.results[2]).toEqual([]);
    const ok = body.results as Array<{ result: Array<{ value: { choices: string[] } }> }>;
    expect(ok[0]!.result[0]!.value.choices).toEqual(['Positive']);
    expect(ok[3]!.result[0]!.value.choices).toEqual(['Negative']);
    const warnings = lines.filter((l) => l.level === 40 && typeof l.task === 'number');
    expect(warnings.map((w) => [w.task, w.field])).toEqual([
      [2, 'text'],
      [3, 'text'],
    ]);
    // The server's own validation did not flag the empty entries.
    expect(lines.some((l) => String(l.msg).includes('does not match the label config'))).toBe(false);
  });

  it('answers 422 naming the control at /setup and /predict for a label config the head cannot fill', async () => {
    const Model = backend({ runtime: new KeywordClassifier(), head: choicesHead() });
    const { url } = await start(Model);
    const setup = await post(`${url}/setup`, { project: '2.1', schema: IMAGE_ONLY });
    expect(setup.status).toBe(422);
    expect(setup.body.code).toBe('label_config_mismatch');
    expect(setup.body.detail).toBe(
      'LabelConfigMismatchError: This model needs a <Choices> or <Taxonomy> over a <Text> or <HyperText>; the label config has none',
    );
    const predict = await post(`${url}/predict`, { tasks: [{ id: 1, data: { text: 'good' } }], project: '3.1', label_config: IMAGE_ONLY });
    expect(predict.status).toBe(422);
    expect(predict.body.detail).toContain('needs a <Choices> or <Taxonomy> over a <Text>');
  });

  it('answers 422 when no config label matches a model class, listing the classes', async () => {
    const Model = backend({ runtime: new KeywordClassifier({ good: 'GOOD', bad: 'BAD' }), head: choicesHead() });
    const { url } = await start(Model);
    const setup = await post(`${url}/setup`, { project: '2.1', schema: CHOICES });
    expect(setup.status).toBe(422);
    expect(setup.body.detail).toContain('No label of <Choices name="sentiment"> matches a class of this model (model classes: GOOD, BAD; config labels: Positive, Negative)');
  });

  it("passes the project's extra_params to the head and the runtime (as run params), and the request's signal", async () => {
    class Recording extends KeywordClassifier {
      calls: Array<{ params: unknown; signal: boolean }> = [];
      override async run(...args: Parameters<KeywordClassifier['run']>) {
        this.calls.push({ params: args[1]?.params, signal: args[1]?.signal instanceof AbortSignal });
        return super.run(...args);
      }
    }
    const runtime = new Recording({ good: 'Positive', bad: 'Negative' });
    const { url } = await start(backend({ runtime, head: choicesHead() }));
    await post(`${url}/setup`, { project: '5.1', schema: CHOICES, extra_params: '{"top_k": 2, "temperature": 0.3}' });
    const { body } = await post(`${url}/predict`, { tasks: [{ id: 1, data: { text: 'bad' } }], project: '5.1', label_config: CHOICES });
    const [both] = body.results as Array<Array<{ result: Array<{ value: { choices: string[] } }> }>>;
    expect(both!.map((p) => p.result[0]!.value.choices[0])).toEqual(['Negative', 'Positive']);
    expect(runtime.calls).toEqual([{ params: { top_k: 2, temperature: 0.3 }, signal: true }]);
  });

  it('maps spans to code-point offsets that validate against the config', async () => {
    const Model = backend({ runtime: new DictionaryTagger({ John: 'PER', Paris: 'LOC' }), head: spansHead() });
    const { url } = await start(Model);
    const text = '🙂 John went to Paris';
    const { body } = await post(`${url}/predict`, { tasks: [{ id: 1, data: { text } }], project: '4.1', label_config: LABELS });
    const prediction = body.results[0] as { result: Array<{ value: { start: number; end: number; text: string; labels: string[] } }> };
    expect(prediction.result.map((r) => r.value)).toEqual([
      { start: 2, end: 6, text: 'John', labels: ['PER'] },
      { start: 15, end: 20, text: 'Paris', labels: ['LOC'] },
    ]);
    expect([...text].slice(2, 6).join('')).toBe('John');
    expect(validatePrediction(new LabelInterface(LABELS), prediction as never).ok).toBe(true);
  });
});

describe('backend() with a trainable runtime', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-backend-'));
  const annotation = (id: number, text: string, choice: string) => ({
    action: 'ANNOTATION_CREATED',
    annotation: { id: 100 + id, task: id, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }], was_cancelled: false },
    task: { id, data: { text } },
    project: { id: 9, label_config: CHOICES },
  });

  async function waitForVersion(url: string, not: string) {
    for (let i = 0; i < 200; i++) {
      const { body } = await post(`${url}/setup`, { project: '9.1', schema: CHOICES });
      if (body.model_version !== not) return body.model_version as string;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no new version');
  }

  it('predicts nothing before training, records one state key per annotated task, trains, and serves the trained version', async () => {
    const modelDir = tmp();
    const store = new SqliteStore({ modelDir });
    const runtimes: NaiveBayesClassifier[] = [];
    const Model = backend({
      runtime: () => {
        const r = new NaiveBayesClassifier();
        runtimes.push(r);
        return r;
      },
      head: choicesHead(),
      modelVersion: 'nb-v0',
    });
    const { url } = await start(Model, { store, modelDir });
    const predict = () => post(`${url}/predict`, { tasks: [{ id: 50, data: { text: 'what a lovely day' } }], project: '9.1', label_config: CHOICES });
    expect((await predict()).body.results).toEqual([]);

    const examples: Array<[string, string]> = [
      ['lovely sunny day', 'Positive'],
      ['lovely people', 'Positive'],
      ['terrible rain', 'Negative'],
      ['terrible traffic jam', 'Negative'],
    ];
    for (const [i, [text, choice]] of examples.entries()) {
      const res = await post(`${url}/webhook`, annotation(i + 1, text, choice));
      expect(res.status).toBe(201);
    }
    const keys = await store.keys(String(9), EXAMPLE_KEY_PREFIX);
    expect(keys.sort()).toEqual(['example:1', 'example:2', 'example:3', 'example:4']);
    // An update of task 1 overwrites its key (upsert), it does not add one.
    await post(`${url}/webhook`, { ...annotation(1, 'lovely sunny day', 'Positive'), action: 'ANNOTATION_UPDATED' });
    expect(await store.keys('9', EXAMPLE_KEY_PREFIX)).toHaveLength(4);

    const version = await waitForVersion(url, 'nb-v0');
    expect(version).not.toBe('nb-v0');
    // Wait until the last job has finished (jobs may coalesce), then predict with the published version.
    for (let i = 0; i < 200 && (await running[0]!.trainingQueue.listJobs('9')).some((j) => j.status !== 'finished'); i++) await new Promise((r) => setTimeout(r, 25));
    const { body } = await predict();
    const [first] = body.results as Array<{ result: Array<{ value: { choices: string[] } }>; model_version: string }>;
    expect(first!.result[0]!.value.choices).toEqual(['Positive']);
    // Deleting an annotation removes its task's example: by annotation and task, and by id only (bulk).
    await post(`${url}/webhook`, { ...annotation(2, 'lovely people', 'Positive'), action: 'ANNOTATION_DELETED' });
    await post(`${url}/webhook`, { action: 'ANNOTATIONS_DELETED', annotations: [{ id: 103 }], project: { id: 9, label_config: CHOICES } });
    expect((await store.keys('9', EXAMPLE_KEY_PREFIX)).sort()).toEqual(['example:1', 'example:4']);
    // A cancelled (skipped) annotation is no example.
    await post(`${url}/webhook`, { ...annotation(7, 'skipped', 'Positive'), annotation: { ...annotation(7, 'skipped', 'Positive').annotation, was_cancelled: true } });
    expect(await store.has('9', 'example:7')).toBe(false);
    // Training ran on fresh runtimes; the serving one was restored from the saved files.
    expect(runtimes[0]!.trainings).toBe(0);
    expect(runtimes.slice(1).some((r) => r.trainings > 0)).toBe(true);
  });
});
