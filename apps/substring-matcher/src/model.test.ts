// Drives the app over HTTP exactly as Label Studio does: health, setup, batch predict (nothing to do
// without a selection), interactive predict with the annotator's region in `context`, webhooks.
import { codePointSlice, createServer, LabelInterface, MemoryStore, toCodePointOffset, validatePrediction, type LsmlServer } from '@lsml/core';
import { interactiveContext, lsAnnotation, lsProject, lsTask } from '@lsml/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SubstringMatcher, { findAll } from './model.js';

const CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="red"/>
    <Label value="ORG" background="darkorange"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;
const TEXT = "We got hold of one of the first Apple Watches to leave apple. Here's what we found: APPLE (a.k.a. Apple) ☕ Apple.";

/** A task of project 3 as interactive /predict receives it (with `drafts`). */
const textTask = (id: number, text: string) => lsTask(id, { text }, 3, { interactive: true });
const selection = (start: number, end: number, labels = ['ORG']) =>
  interactiveContext([{ id: 'sel1', from_name: 'label', to_name: 'text', type: 'labels', origin: 'manual', value: { start, end, text: TEXT.slice(start, end), labels } }]);

let server: LsmlServer;
let url: string;
const post = async (path: string, body: unknown) => {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  server = createServer(SubstringMatcher, { store: new MemoryStore(), env: {}, logLevel: 'silent', strictValidation: true });
  ({ url } = await server.listen(0, '127.0.0.1'));
});
afterAll(() => server.close());

describe('substring-matcher over HTTP', () => {
  it('answers health and setup with its version', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ model_class: 'SubstringMatcher', status: 'UP' });
    const setup = await post('/setup', { project: '3.1712586036', schema: CONFIG, hostname: 'http://localhost:8080', access_token: 'tok', extra_params: null });
    expect(setup).toEqual({ status: 200, body: { model_version: 'SubstringMatcher-v1' } });
  });

  it('returns an empty list for batch pre-labelling (no context)', async () => {
    const r = await post('/predict', { tasks: [textTask(1, TEXT)], project: '3.1712586036', label_config: CONFIG, params: { login: null, password: null, context: null } });
    expect(r).toEqual({ status: 200, body: { results: [] } });
  });

  it('labels every other occurrence, literal and case-insensitive, with exact offsets', async () => {
    const start = TEXT.indexOf('Apple');
    const r = await post('/predict', { tasks: [textTask(1, TEXT)], project: '3.1712586036', label_config: CONFIG, params: { login: null, password: null, context: selection(start, start + 5) } });
    expect(r.status).toBe(200);
    const results = r.body.results as Array<{ model_version: string; score: number; result: Array<{ value: { start: number; end: number; text: string; labels: string[] }; score: number }> }>;
    expect(results).toHaveLength(1);
    const [prediction] = results;
    expect(prediction!.model_version).toBe('SubstringMatcher-v1');
    const spans = prediction!.result.map((x) => [x.value.start, x.value.end, x.value.text, x.score]);
    const expected = findAll(TEXT, 'Apple', false)
      .filter((s) => s !== start)
      .map((s) => [toCodePointOffset(TEXT, s), toCodePointOffset(TEXT, s) + 5, TEXT.slice(s, s + 5), TEXT.slice(s, s + 5) === 'Apple' ? 1 : 0.8]);
    expect(spans).toEqual(expected);
    expect(spans.map((s) => s[2])).toEqual(['apple', 'APPLE', 'Apple', 'Apple']);
    for (const x of prediction!.result) {
      expect(codePointSlice(TEXT, x.value.start, x.value.end)).toBe(x.value.text);
      expect(x.value.labels).toEqual(['ORG']);
    }
    expect(validatePrediction(new LabelInterface(CONFIG), prediction as never).ok).toBe(true);
  });

  it('treats the selection literally (no regex) and honours case_sensitive', async () => {
    const text = 'a.b a+b a.b axb A.B';
    const ctx = { result: [{ from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 3, text: 'a.b', labels: ['PER'] } }] };
    const r = await post('/predict', { tasks: [textTask(2, text)], project: '3.1', label_config: CONFIG, params: { context: ctx } });
    const spans = (r.body.results as Array<{ result: Array<{ value: { start: number } }> }>)[0]!.result.map((x) => x.value.start);
    expect(spans).toEqual([8, 16]);
    await post('/setup', { project: '4.1', schema: CONFIG, extra_params: '{"case_sensitive": true}' });
    const strict = await post('/predict', { tasks: [textTask(2, text)], project: '4.1', label_config: CONFIG, params: { context: ctx } });
    expect((strict.body.results as Array<{ result: Array<{ value: { start: number } }> }>)[0]!.result.map((x) => x.value.start)).toEqual([8]);
  });

  it('counts offsets in code points like Label Studio (and Python), past emoji', async () => {
    const text = '😀 café CAFÉ 👩‍👩‍👧 café';
    // The editor sends the selection in code points: "café" at 2..6.
    const ctx = { result: [{ from_name: 'label', to_name: 'text', type: 'labels', value: { start: 2, end: 6, text: 'café', labels: ['PER'] } }] };
    const r = await post('/predict', { tasks: [textTask(3, text)], project: '3.1', label_config: CONFIG, params: { context: ctx } });
    const res = (r.body.results as Array<{ result: Array<{ value: { start: number; end: number; text: string } }> }>)[0]!.result;
    expect(res.map((x) => [x.value.start, x.value.end, x.value.text])).toEqual([
      [7, 11, 'CAFÉ'],
      [18, 22, 'café'],
    ]);
    for (const x of res) expect(codePointSlice(text, x.value.start, x.value.end)).toBe(x.value.text);
  });

  it('accepts Label Studio webhooks (it does not train)', async () => {
    const project = lsProject(3, CONFIG, { title: 'NER' });
    const created = await post('/webhook', { action: 'ANNOTATION_CREATED', annotation: lsAnnotation(1, 1, 3, []), task: textTask(1, TEXT), project });
    expect(created).toEqual({ status: 201, body: { result: null, status: 'ok' } });
    const training = await post('/webhook', { action: 'START_TRAINING', project });
    expect(training.status).toBe(201);
  });
});
