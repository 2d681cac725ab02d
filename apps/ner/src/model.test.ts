// The NER app driven over HTTP the way Label Studio drives it — /health, /setup with extra params (a
// JSON string, as the UI sends it), /predict with full task objects, the annotation and training
// webhooks — on the tiny random-weight token classifier (offline: arbitrary labels, exact offsets).
// Runs twice: in this process on @huggingface/transformers, and as `npm start` runs it, on
// @xenova/transformers, with the model folder given relative to MODEL_DIR.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toUtf16Offset } from '@lsml/core';
import type { LibraryName } from '@lsml/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotationWebhook, lsAnnotation, lsProject, lsTask, projectUid, startTrainingWebhook } from '@lsml/core/testing';
import { assertValidPredictions, postJson, startAppInProcess, startAppWithCli, type AppPrediction, type RunningApp } from '@lsml/testing';
import NerBackend, { modelName } from './model.js';
import { vi } from 'vitest';

// model.js builds its runtime when it is imported: MODEL_NAME must name the tiny model before that
// (vi.hoisted runs above the imports). The CLI mode passes its own MODEL_NAME to the child process.
vi.hoisted(() => {
  process.env.MODEL_NAME = new URL('../../../packages/transformers/test/models/tiny-bert-ner', import.meta.url).pathname;
});

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const TINY_NER = path.resolve(APP_DIR, '../../packages/transformers/test/models/tiny-bert-ner');

/** The README's config: the project's own label names, mapped with predicted_values. */
const CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="Person" background="red" predicted_values="PER"/>
    <Label value="Organization" background="darkorange" predicted_values="ORG"/>
    <Label value="Location" background="orange" predicted_values="LOC"/>
    <Label value="MISC" background="green"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;
const labelsConfig = (labels: string) => `<View><Labels name="label" toName="text">${labels}</Labels><Text name="text" value="$text"/></View>`;
/** The model's own entity types as label names. */
const MODEL_NAMED = labelsConfig('<Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/>');
/** Only two of the model's types have a label (plus one the model never predicts). */
const PARTIAL = labelsConfig('<Label value="Person" predicted_values="PER"/><Label value="Place" predicted_values="LOC"/><Label value="Date"/>');
const AS_MODEL: Record<string, string> = { Person: 'PER', Organization: 'ORG', Location: 'LOC', MISC: 'MISC', Place: 'LOC' };

const TEXTS = [
  'John Smith works at Acme Corp in Berlin.',
  'Zoë Ørsted 🇩🇰 flew from København to São Paulo with 👩‍👩‍👧 Renée.',
  '東京 and Ōsaka, cities; Ünal lives in İzmir 😀😀 and 🙂 🙂.',
  "L'e\u0301cole de Montre\u0301al — “Café” ﬁnance\tNew\u00a0York",  // combining accents, ligature, NBSP
  '',
  // Longer than the tiny model's 128 positions: run as several windows.
  'Angela Merkel met Emmanuel Macron in Paris 🙂 and then flew to Washington with IBM staff. '.repeat(12),
];

interface Span {
  start: number;
  end: number;
  text: string;
  labels: string[];
  score: number;
}
const spansOf = (p: AppPrediction) => (p.result as Array<{ value: Omit<Span, 'score'>; score: number }>).map((r) => ({ ...r.value, score: r.score }));
const isLowSurrogate = (text: string, i: number) => /[\uDC00-\uDFFF]/.test(text.charAt(i));
/** Where BERT's pre-tokenizer splits words: whitespace, punctuation (ASCII symbols too), CJK ideographs. */
const SPLITS = /[\s\p{P}\p{Script=Han}!-\/:-@\[-`{-~]/u;
const atWordBoundary = (text: string, i: number) => i === 0 || i === text.length || SPLITS.test(text.charAt(i - 1)) || SPLITS.test(text.charAt(i));

/**
 * Every span indexes its task's text exactly, covers whole words (aggregation "first" merges sub-word
 * pieces), carries one of `labels`, and none overlap.
 */
function expectExactSpans(p: AppPrediction, text: string, labels: string[]): Span[] {
  const spans = spansOf(p);
  let previousEnd = 0;
  for (const [k, s] of spans.entries()) {
    expect(p.result[k]).toMatchObject({ from_name: 'label', to_name: 'text', type: 'labels' });
    // Offsets are code points, as Label Studio's editor counts them; check them in UTF-16 here.
    const start = toUtf16Offset(text, s.start);
    const end = toUtf16Offset(text, s.end);
    expect(text.slice(start, end)).toBe(s.text);
    expect(s.text.length).toBeGreaterThan(0);
    expect(s.text.trim()).toBe(s.text);
    expect(isLowSurrogate(text, start) || isLowSurrogate(text, end)).toBe(false); // no emoji cut in half
    expect([atWordBoundary(text, start), atWordBoundary(text, end)]).toEqual([true, true]);
    expect(s.labels).toHaveLength(1);
    expect(labels).toContain(s.labels[0]);
    expect(s.start).toBeGreaterThanOrEqual(previousEnd);
    previousEnd = s.end;
  }
  return spans;
}

describe('MODEL_NAME', () => {
  it('is a hub id, an absolute folder, or a folder relative to MODEL_DIR', () => {
    const saved = process.env.MODEL_DIR;
    try {
      process.env.MODEL_DIR = path.dirname(TINY_NER);
      expect(modelName('Xenova/bert-base-NER')).toBe('Xenova/bert-base-NER');
      expect(modelName(TINY_NER)).toBe(TINY_NER);
      expect(modelName(path.basename(TINY_NER))).toBe(TINY_NER);
    } finally {
      if (saved === undefined) delete process.env.MODEL_DIR;
      else process.env.MODEL_DIR = saved;
    }
  });
});

interface Mode {
  library: LibraryName;
  start(): Promise<RunningApp>;
}

const MODES: Mode[] = [
  {
    library: '@huggingface/transformers',
    start: () => {
      process.env.LOG_LEVEL = 'silent'; // the preload's logger
      process.env.MODEL_NAME = TINY_NER; // an absolute folder
      return startAppInProcess(NerBackend);
    },
  },
  {
    library: '@xenova/transformers',
    start: () =>
      startAppWithCli(APP_DIR, { LSML_TRANSFORMERS_LIBRARY: '@xenova/transformers', MODEL_NAME: 'models/tiny-bert-ner' }, { 'models/tiny-bert-ner': TINY_NER }),
  },
];

describe.each(MODES)('ner over HTTP on $library', ({ library, start }) => {
  let app: RunningApp;
  let full: Span[][];
  const tasks = (project: number) => TEXTS.map((text, i) => lsTask(i + 1, { text }, project));
  const setup = (project: number, schema: string, extraParams: string | null = null) =>
    postJson<{ model_version: string; detail?: string }>(app.url, '/setup', { project: projectUid(project), schema, hostname: 'http://localhost:8080', access_token: 'ls-token', extra_params: extraParams });
  const predict = (project: number, schema: string) =>
    postJson(app.url, '/predict', { tasks: tasks(project), project: projectUid(project), label_config: schema, params: { login: null, password: null, context: null } });

  beforeAll(async () => {
    app = await start();
  });
  afterAll(() => app?.close());

  it('is healthy, and /setup reports the model folder as the version', async () => {
    expect(await (await fetch(`${app.url}/health`)).json()).toEqual({ model_class: 'NerBackend', status: 'UP' });
    expect(await setup(5, CONFIG, '{"threshold": 0, "aggregation_strategy": "first"}')).toEqual({ status: 200, body: { model_version: 'tiny-bert-ner' } });
    if (library === '@xenova/transformers') expect(app.output()).toContain(`"library":"@xenova/transformers@`);
  });

  it('one prediction per task; exact spans on emoji, accents, CJK and long texts; config labels only', async () => {
    const results = assertValidPredictions(CONFIG, await predict(5, CONFIG), TEXTS.length, 'tiny-bert-ner');
    full = results.map((p, i) => expectExactSpans(p, TEXTS[i] as string, ['Person', 'Organization', 'Location', 'MISC']));
    expect(full[4]).toEqual([]); // the empty text
    // Random weights tag something in each other text, past the emoji and in every window too.
    for (const i of [0, 1, 2, 3, 5]) expect(full[i]!.length).toBeGreaterThan(0);
    expect(full[1]!.some((s) => s.start > TEXTS[1]!.indexOf('👩'))).toBe(true);
    expect(full[5]!.some((s) => s.start > TEXTS[5]!.length / 2)).toBe(true);
  });

  // A [UNK] word covers the whole word, and the tokens after it start at the next word ("Ōsaka are":
  // not "Ōs" + "a"); two [UNK]s with nothing between them ("’école") split where BERT's pre-tokenizer
  // splits. The tiny model's weights are random, so the labels are arbitrary but fixed.
  it('spans after an unknown word ([UNK]) are the words the model tagged', async () => {
    const texts = ['Ōsaka are cities', 'L’école de Paris'];
    await setup(8, MODEL_NAMED);
    const res = await postJson<{ results: AppPrediction[] }>(app.url, '/predict', {
      tasks: texts.map((text, i) => lsTask(i + 1, { text }, 8)),
      project: projectUid(8),
      label_config: MODEL_NAMED,
      params: { login: null, password: null, context: null },
    });
    const spans = res.body.results.map((p, i) => expectExactSpans(p, texts[i] as string, ['PER', 'ORG', 'LOC', 'MISC']).map(({ score: _, ...s }) => s));
    expect(spans).toEqual([
      [
        { start: 0, end: 5, text: 'Ōsaka', labels: ['MISC'] },
        { start: 6, end: 9, text: 'are', labels: ['MISC'] },
        { start: 10, end: 16, text: 'cities', labels: ['MISC'] },
      ],
      [
        { start: 0, end: 1, text: 'L', labels: ['ORG'] },
        { start: 1, end: 2, text: '’', labels: ['MISC'] },
        { start: 2, end: 7, text: 'école', labels: ['ORG'] },
        { start: 8, end: 10, text: 'de', labels: ['ORG'] },
        { start: 11, end: 16, text: 'Paris', labels: ['LOC'] },
      ],
    ]);
  });

  it('maps the model’s types through predicted_values: same spans under the model’s own names', async () => {
    expect((await setup(6, MODEL_NAMED)).status).toBe(200);
    const results = assertValidPredictions(MODEL_NAMED, await predict(6, MODEL_NAMED), TEXTS.length, 'tiny-bert-ner');
    results.forEach((p, i) => {
      const spans = expectExactSpans(p, TEXTS[i] as string, ['PER', 'ORG', 'LOC', 'MISC']);
      expect(spans).toEqual(full[i]!.map((s) => ({ ...s, labels: [AS_MODEL[s.labels[0]!]] })));
    });
  });

  it('never predicts a type the config has no label for', async () => {
    expect((await setup(7, PARTIAL)).status).toBe(200);
    const results = assertValidPredictions(PARTIAL, await predict(7, PARTIAL), TEXTS.length, 'tiny-bert-ner');
    results.forEach((p, i) => {
      const spans = expectExactSpans(p, TEXTS[i] as string, ['Person', 'Place']);
      const kept = full[i]!.filter((s) => s.labels[0] === 'Person' || s.labels[0] === 'Location');
      expect(spans).toEqual(kept.map((s) => ({ ...s, labels: [s.labels[0] === 'Location' ? 'Place' : 'Person'] })));
    });
    expect(results.some((p) => p.result.length > 0)).toBe(true);
  });

  it('applies a threshold set later in the extra params', async () => {
    const scores = full.flat().map((s) => s.score).sort((a, b) => a - b);
    const threshold = scores[Math.floor(scores.length / 2)] as number;
    await setup(5, CONFIG, JSON.stringify({ threshold }));
    const results = assertValidPredictions(CONFIG, await predict(5, CONFIG), TEXTS.length, 'tiny-bert-ner');
    results.forEach((p, i) => expect(spansOf(p)).toEqual(full[i]!.filter((s) => s.score >= threshold)));
  });

  it('refuses at /setup a config sharing no label with the model, naming both lists', async () => {
    const res = await setup(9, labelsConfig('<Label value="Food"/><Label value="Drink"/>'));
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain('<Labels name="label">');
    expect(res.body.detail).toContain('MISC, PER, ORG, LOC');
    expect(res.body.detail).toContain('Food, Drink');
    expect(res.body.detail).toContain('predicted_values');
  });

  it('acknowledges the annotation and training webhooks; the version stays', async () => {
    const text = TEXTS[0] as string;
    const result = [{ id: 'r1', from_name: 'label', to_name: 'text', type: 'labels', origin: 'manual', value: { start: 0, end: 10, text: text.slice(0, 10), labels: ['Person'] } }];
    const created = await postJson(app.url, '/webhook', annotationWebhook(lsProject(5, CONFIG), lsTask(1, { text }, 5), { ...lsAnnotation(101, 1, 5, result), parent_prediction: 1 }));
    expect(created).toMatchObject({ status: 201, body: { status: 'ok' } });
    const training = await postJson(app.url, '/webhook', startTrainingWebhook(lsProject(5, CONFIG)));
    expect(training).toMatchObject({ status: 201, body: { status: 'ok' } });
    expect((await setup(5, CONFIG)).body).toEqual({ model_version: 'tiny-bert-ner' });
  });
});
