// Drives the NER app over HTTP exactly as Label Studio does, on the tiny random-weight token
// classifier (offline): health → setup → batch predict with full task objects → webhooks.
import { fileURLToPath } from 'node:url';
import { createServer, LabelInterface, MemoryStore, validatePrediction, type BackendClass, type LsmlServer } from '@lsml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MODEL = fileURLToPath(new URL('../../../packages/transformers/test/models/tiny-bert-ner', import.meta.url));
const CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="Person" background="red" predicted_values="PER"/>
    <Label value="Organization" background="darkorange" predicted_values="ORG"/>
    <Label value="Location" background="orange" predicted_values="LOC"/>
    <Label value="MISC" background="green"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;
const TEXTS = [
  'John Smith works at Acme Corp in Berlin.',
  'Zoë Ørsted 🇩🇰 flew from København to São Paulo with 👩‍👩‍👧 Renée.',
  '東京 and Ōsaka are cities; Ünal lives in İzmir 😀.',
];
const lsTask = (id: number, text: string) => ({
  id, data: { text }, meta: {}, created_at: '2024-05-01T10:00:00.000000Z', updated_at: '2024-05-01T10:00:00.000000Z',
  is_labeled: false, overlap: 1, inner_id: id, total_annotations: 0, cancelled_annotations: 0, total_predictions: 0,
  comment_count: 0, unresolved_comment_count: 0, last_comment_updated_at: null, project: 5, updated_by: null,
  file_upload: 1, comment_authors: [], annotations: [], predictions: [],
});
const project = { id: 5, title: 'NER', label_config: CONFIG, created_at: '2024-05-01T09:00:00Z', model_version: '', task_number: 3, finished_task_number: 0, total_annotations_number: 0 };

let server: LsmlServer;
let url: string;
const post = async (path: string, body: unknown) => {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  process.env.MODEL_NAME = MODEL;
  const { default: Ner } = (await import('./model.js')) as { default: BackendClass };
  server = createServer(Ner, { store: new MemoryStore(), env: {}, logLevel: 'silent', strictValidation: true });
  ({ url } = await server.listen(0, '127.0.0.1'));
});
afterAll(() => server.close());

describe('ner over HTTP', () => {
  let version: string;

  it('answers health and setup', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ model_class: 'NerBackend', status: 'UP' });
    const setup = await post('/setup', { project: '5.1714554000', schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'tok', extra_params: '{"threshold": 0}' });
    expect(setup.status).toBe(200);
    version = (setup.body as { model_version: string }).model_version;
    expect(version).toBe('tiny-bert-ner');
  });

  it('returns one valid prediction per task with exact spans and config labels', async () => {
    const r = await post('/predict', { tasks: TEXTS.map((t, i) => lsTask(i + 1, t)), project: '5.1714554000', label_config: CONFIG, params: { login: null, password: null, context: null } });
    expect(r.status).toBe(200);
    const results = r.body.results as Array<{ model_version: string; score: number; result: Array<{ from_name: string; to_name: string; type: string; value: { start: number; end: number; text: string; labels: string[] } }> }>;
    expect(results).toHaveLength(TEXTS.length);
    const li = new LabelInterface(CONFIG);
    let spans = 0;
    results.forEach((p, i) => {
      expect(p.model_version).toBe(version);
      expect(p.score === null || (p.score >= 0 && p.score <= 1)).toBe(true);
      expect(validatePrediction(li, p as never)).toMatchObject({ ok: true });
      for (const region of p.result) {
        spans++;
        expect(region).toMatchObject({ from_name: 'label', to_name: 'text', type: 'labels' });
        expect(TEXTS[i]!.slice(region.value.start, region.value.end)).toBe(region.value.text);
        expect(region.value.text.trim()).toBe(region.value.text);
        expect(['Person', 'Organization', 'Location', 'MISC']).toEqual(expect.arrayContaining(region.value.labels));
        // A span never splits a surrogate pair (emoji, flags).
        expect(/^[\uDC00-\uDFFF]/.test(TEXTS[i]!.slice(region.value.start))).toBe(false);
      }
    });
    // Random weights still tag something with threshold 0.
    expect(spans).toBeGreaterThan(0);
  });

  it('refuses a config that shares no label with the model, naming both lists', async () => {
    const bad = CONFIG.replace(/<Label [^>]*\/>/g, '').replace('</Labels>', '<Label value="Food"/><Label value="Drink"/></Labels>');
    const r = await post('/setup', { project: '6.1', schema: bad });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(String(r.body.detail)).toMatch(/Food/);
    expect(String(r.body.detail)).toMatch(/PER/);
  });

  it('accepts Label Studio webhooks', async () => {
    const created = await post('/webhook', { action: 'ANNOTATION_CREATED', annotation: { id: 1, project: 5, task: 1, result: [] }, task: lsTask(1, TEXTS[0]!), project });
    expect(created.status).toBe(201);
    const training = await post('/webhook', { action: 'START_TRAINING', project });
    expect(training.status).toBe(201);
  });
});
