import { createServer, LabelInterface, MemoryStore, validatePrediction, type BackendClass } from '@lsml/core';
import { lsTask } from '@lsml/core/testing';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { OnnxClassifierBackend, onnxClassifier, type OnnxClassifierConfig } from './backend.js';
import { loadOnnxModel, releaseAllModels, sharedModels } from './onnx-model.js';
import { CLASSIFIER, CLASSIFIER_FIXED, FEATURES, LABELS, referenceClassifier, REVIEWS } from './test-models.test-helper.js';
import type { Feeds } from './validate-feeds.js';
import { hashedBagOfWords } from './text-features.js';

const CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="negative"/><Choice value="neutral"/><Choice value="positive"/></Choices></View>';
// Different display names, mapped to the model's classes with predicted_values; no "neutral" at all.
const RENAMED_CONFIG =
  '<View><Text name="review" value="$body"/><Choices name="mood" toName="review"><Choice value="Thumbs down" predicted_values="negative"/><Choice value="Thumbs up" predicted_values="positive"/></Choices></View>';

const featurize = (text: string) => hashedBagOfWords(text, FEATURES);
const baseConfig: OnnxClassifierConfig = {
  model: CLASSIFIER,
  labels: LABELS,
  featurize,
  modelVersion: 'onnx-test-1',
  load: { batching: { maxDelayMs: 10 } },
};


const servers: Array<{ close(): Promise<void> }> = [];
async function serve(Backend: BackendClass) {
  const server = createServer(Backend, { store: new MemoryStore(), env: {}, logLevel: 'silent' });
  servers.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { url, post };
}

interface WirePrediction {
  model_version: string | null;
  score: number | null;
  result: Array<{ from_name: string; to_name: string; type: string; value: { choices: string[] }; score?: number }>;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await releaseAllModels();
});

describe('onnxClassifier served over HTTP like Label Studio', () => {
  it('answers /setup and a batch /predict with valid choices predictions and the model numbers', async () => {
    const { post } = await serve(onnxClassifier({ ...baseConfig, name: 'OnnxSentiment' }));
    const setup = await post('/setup', { project: '1.1714000000', schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'token', model_version: '' });
    expect(setup).toEqual({ status: 200, body: { model_version: 'onnx-test-1' } });

    const tasks = REVIEWS.map((text, i) => lsTask(i + 1, { text }, 1));
    const res = await post('/predict', { tasks, project: '1.1714000000', label_config: CONFIG, params: { login: null, password: null, context: null } });
    expect(res.status).toBe(200);
    const results = res.body.results as WirePrediction[];
    expect(results).toHaveLength(REVIEWS.length);

    const li = new LabelInterface(CONFIG);
    results.forEach((prediction, i) => {
      expect(validatePrediction(li, prediction)).toEqual({ ok: true, errors: [] });
      const ref = referenceClassifier(featurize(REVIEWS[i]!)).probabilities;
      const best = ref.indexOf(Math.max(...ref));
      expect(prediction.model_version).toBe('onnx-test-1');
      expect(prediction.result).toEqual([
        { from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [LABELS[best]] }, score: expect.any(Number) },
      ]);
      expect(prediction.score).toBeCloseTo(ref[best]!, 5);
      expect(prediction.result[0]?.score).toBeCloseTo(ref[best]!, 5);
    });
    // The trained test model gets the obvious ones right.
    expect(results[0]?.result[0]?.value.choices).toEqual(['positive']);
    expect(results[1]?.result[0]?.value.choices).toEqual(['negative']);
  });

  it("maps model classes to the project's labels with predicted_values, skipping classes the config lacks", async () => {
    const { post } = await serve(onnxClassifier(baseConfig));
    const texts = ['I love it, excellent and perfect', 'awful, broken, I hate it', 'the package arrived as expected'];
    const res = await post('/predict', {
      tasks: texts.map((body, i) => lsTask(i + 1, { body }, 1)),
      project: '2.1714000000',
      label_config: RENAMED_CONFIG,
      params: { login: null, password: null, context: null },
    });
    expect(res.status).toBe(200);
    const results = res.body.results as WirePrediction[];
    const li = new LabelInterface(RENAMED_CONFIG);
    results.forEach((p) => expect(validatePrediction(li, p)).toEqual({ ok: true, errors: [] }));
    expect(results.map((p) => p.result[0]?.value.choices[0])).toEqual(['Thumbs up', 'Thumbs down', expect.stringMatching(/^Thumbs (up|down)$/)]);
    expect(results[0]?.result[0]).toMatchObject({ from_name: 'mood', to_name: 'review' });
    // The neutral text: the best of the two mapped classes, scored with its own probability.
    const ref = referenceClassifier(featurize(texts[2]!)).probabilities;
    const best = ref[0]! > ref[2]! ? 0 : 2;
    expect(results[2]?.score).toBeCloseTo(ref[best]!, 5);
  });

  it('merges concurrent single-task requests into few session runs, each answered with its own prediction', async () => {
    const { post } = await serve(onnxClassifier(baseConfig));
    await post('/setup', { project: '3', schema: CONFIG });
    const model = await loadOnnxModel(CLASSIFIER);
    const before = model.stats.runs;
    const texts = Array.from({ length: 32 }, (_, i) => `${REVIEWS[i % REVIEWS.length]} extra${i}`);
    const responses = await Promise.all(
      texts.map((text, i) => post('/predict', { tasks: [lsTask(i, { text }, 1)], project: '3', label_config: CONFIG, params: { context: null } })),
    );
    const runs = model.stats.runs - before;
    expect(runs).toBeLessThan(32);
    responses.forEach((r, i) => {
      const [prediction] = r.body.results as WirePrediction[];
      const ref = referenceClassifier(featurize(texts[i]!)).probabilities;
      expect(prediction?.score).toBeCloseTo(Math.max(...ref), 5);
    });
    await model.release();
  });

  it('lets featurize fill the batch buffer in place, with the same numbers', async () => {
    const rows: Float32Array[] = [];
    const { post } = await serve(
      onnxClassifier({
        ...baseConfig,
        featurize: (text, _task, out) => {
          expect(out).toBeInstanceOf(Float32Array);
          expect(out?.length).toBe(FEATURES);
          rows.push(out!);
          return hashedBagOfWords(text, FEATURES, { out });
        },
      }),
    );
    const model = await loadOnnxModel(CLASSIFIER);
    const run = vi.spyOn(model.session, 'run');
    const res = await post('/predict', { tasks: REVIEWS.map((text, i) => lsTask(i + 1, { text }, 1)), project: '6', label_config: CONFIG, params: {} });
    expect(res.status).toBe(200);
    // One run whose input is the very buffer the rows were written into.
    expect(run).toHaveBeenCalledTimes(1);
    expect(((run.mock.calls[0]![0] as Feeds).features!.data as Float32Array).buffer).toBe(rows[0]!.buffer);
    (res.body.results as WirePrediction[]).forEach((p, i) => {
      const ref = referenceClassifier(featurize(REVIEWS[i]!)).probabilities;
      expect(p.score).toBeCloseTo(Math.max(...ref), 5);
    });
    run.mockRestore();
    await model.release();
  });

  it('serves a model with a fixed batch of 1, one task per run', async () => {
    const { post } = await serve(onnxClassifier({ ...baseConfig, model: CLASSIFIER_FIXED, featurize: (text, _task, out) => hashedBagOfWords(text, FEATURES, { out }) }));
    const model = await loadOnnxModel(CLASSIFIER_FIXED);
    const run = vi.spyOn(model.session, 'run');
    const res = await post('/predict', { tasks: REVIEWS.map((text, i) => lsTask(i + 1, { text }, 1)), project: '7', label_config: CONFIG, params: {} });
    expect(res.status).toBe(200);
    expect(run).toHaveBeenCalledTimes(REVIEWS.length);
    (res.body.results as WirePrediction[]).forEach((p, i) => {
      const ref = referenceClassifier(featurize(REVIEWS[i]!)).probabilities;
      expect(p.score).toBeCloseTo(Math.max(...ref), 5);
    });
    run.mockRestore();
    await model.release();
  });

  it('shares one session between projects and accepts the class form', async () => {
    class Sentiment extends OnnxClassifierBackend {
      readonly config = baseConfig;
    }
    const { post } = await serve(Sentiment);
    for (const project of ['10', '11', '12']) {
      const res = await post('/predict', { tasks: [lsTask(1, { text: 'great' }, 1)], project, label_config: CONFIG, params: {} });
      expect(res.status).toBe(200);
    }
    const models = await sharedModels();
    expect(models.filter((m) => m.source === CLASSIFIER)).toHaveLength(1);
  });

  it('fails setup clearly when the label list does not match the model', async () => {
    const { post } = await serve(onnxClassifier({ ...baseConfig, labels: ['negative', 'positive'] }));
    const res = await post('/setup', { project: '4', schema: CONFIG });
    expect(res.status).toBe(500);
    expect(String(res.body.detail)).toContain('output "probabilities" has 3 classes but 2 labels were given');
  });

  it('fails predict clearly when featurize returns the wrong width', async () => {
    const { post } = await serve(onnxClassifier({ ...baseConfig, featurize: (text) => hashedBagOfWords(text, 100) }));
    const res = await post('/predict', { tasks: [lsTask(1, { text: 'hi' }, 1)], project: '5', label_config: CONFIG, params: {} });
    expect(res.status).toBe(500);
    expect(String(res.body.detail)).toContain('Input "features" expects float32 [batch, 512] but got float32 [1, 100]: dim 1 must be 512');
  });
});
