// backend({ runtime: onnxRuntime(...), head }) from @lsml/core, served over real HTTP by @lsml/testing's
// startBackend: Choices from the classifier, Labels spans from the token tagger, the 422 for a label
// config that does not fit, a task without its text, the protocol cases, and the examples through
// `lsml start`.
import { fileURLToPath } from 'node:url';
import { backend, choicesHead, createLogger, spansHead } from '@lsml/core';
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { TAGGER_TAGS, taggerTokenize } from '../examples/tagger-tokenizer.js';
import { releaseAllModels } from './onnx-model.js';
import { onnxRuntime } from './runtime.js';
import { CLASSIFIER, FEATURES, LABELS, referenceClassifier, REVIEWS, TAGGER } from './test-models.test-helper.js';
import { hashedBagOfWords } from './text-features.js';
import { captureLogs as captureLogsWith } from '@lsml/core/testing';

const CHOICES =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="Negative"/><Choice value="Neutral"/><Choice value="Thumbs up" predicted_values="positive"/></Choices></View>';
const NER = '<View><Labels name="ner" toName="text"><Label value="Person" predicted_values="PER"/><Label value="LOC"/></Labels><Text name="text" value="$text"/></View>';
const MISFIT = '<View><Text name="text" value="$text"/><Choices name="topic" toName="text"><Choice value="Sports"/><Choice value="Politics"/></Choices></View>';

const running: RunningBackend[] = [];
afterAll(async () => {
  await Promise.all(running.map((b) => b.stop()));
  await releaseAllModels();
});

const classifier = () => onnxRuntime({ model: CLASSIFIER, labels: LABELS, featurize: (text, out) => hashedBagOfWords(text, FEATURES, { out }) });
const tagger = () => onnxRuntime({ output: 'spans', model: TAGGER, labels: TAGGER_TAGS, tokenize: taggerTokenize });

const captureLogs = () => captureLogsWith(createLogger);

async function start(Model: Parameters<typeof startBackend>[0], logger?: ReturnType<typeof createLogger>): Promise<RunningBackend> {
  const b = await startBackend(Model, { server: { strictValidation: true, ...(logger ? { logger } : {}) } });
  running.push(b);
  return b;
}

async function post(url: string, body: unknown): Promise<{ status: number; body: { results?: unknown[] } & Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { results?: unknown[] } & Record<string, unknown> };
}

type ChoicesPrediction = { score: number; model_version: string; result: Array<{ from_name: string; to_name: string; value: { choices: string[] }; score: number }> };
type SpansPrediction = { result: Array<{ from_name: string; value: { start: number; end: number; text: string; labels: string[] }; score: number }> };

describe('backend({ runtime: onnxRuntime(...), head }) over HTTP', () => {
  it('choicesHead: each task gets the best class under the config’s label (predicted_values honoured)', async () => {
    const b = await start(backend({ runtime: classifier(), head: choicesHead(), modelVersion: 'onnx-test-1' }));
    const texts = REVIEWS.slice(0, 6);
    const { status, body } = await post(`${b.url}/predict`, { tasks: texts.map((text, i) => ({ id: i + 1, data: { text } })), project: '1.1', label_config: CHOICES });
    expect(status).toBe(200);
    const results = body.results as ChoicesPrediction[];
    expect(results).toHaveLength(texts.length);
    const configLabel: Record<string, string> = { negative: 'Negative', neutral: 'Neutral', positive: 'Thumbs up' };
    results.forEach((r, i) => {
      const { probabilities } = referenceClassifier(hashedBagOfWords(texts[i] as string, FEATURES));
      const best = probabilities.indexOf(Math.max(...probabilities));
      expect(r.model_version).toBe('onnx-test-1');
      expect(r.result).toHaveLength(1);
      expect(r.result[0]).toMatchObject({ from_name: 'sentiment', to_name: 'text', value: { choices: [configLabel[LABELS[best] as string]] } });
      expect(r.result[0]!.score).toBeCloseTo(probabilities[best] as number, 4);
    });
  });

  it('spansHead: known words become labelled spans with the config’s names', async () => {
    const b = await start(backend({ runtime: tagger(), head: spansHead() }));
    const text = 'Alice Smith met Bob in New York.';
    const { status, body } = await post(`${b.url}/predict`, { tasks: [{ id: 7, data: { text } }, { id: 8, data: { text: 'no one here' } }], project: '2.1', label_config: NER });
    expect(status).toBe(200);
    const [first, second] = body.results as SpansPrediction[];
    expect(first!.result.map((r) => [r.value.start, r.value.end, r.value.text, r.value.labels])).toEqual([
      [0, 11, 'Alice Smith', ['Person']],
      [16, 19, 'Bob', ['Person']],
      [23, 31, 'New York', ['LOC']],
    ]);
    expect(first!.result.every((r) => r.from_name === 'ner' && r.score > 0.9)).toBe(true);
    expect(second!.result).toEqual([]);
  });

  it('answers 422 naming the control for a label config that does not fit the model, at /setup and /predict', async () => {
    const b = await start(backend({ runtime: classifier(), head: choicesHead() }));
    const setup = await post(`${b.url}/setup`, { project: '3.1', schema: MISFIT });
    expect(setup.status).toBe(422);
    expect(JSON.stringify(setup.body)).toContain('topic');
    const predict = await post(`${b.url}/predict`, { tasks: [{ id: 1, data: { text: 'good' } }], project: '3.1', label_config: MISFIT });
    expect(predict.status).toBe(422);
    expect(JSON.stringify(predict.body)).toContain('topic');
    // A spans head on a Choices-only config: no <Labels> control to fill.
    const s = await start(backend({ runtime: tagger(), head: spansHead() }));
    const spans = await post(`${s.url}/setup`, { project: '4.1', schema: CHOICES });
    expect(spans.status).toBe(422);
    expect(JSON.stringify(spans.body)).toMatch(/Labels/);
  });

  it('gives a task without its text no prediction and a warning, and predicts its batch siblings', async () => {
    for (const [runtime, head, config] of [
      [classifier(), choicesHead(), CHOICES],
      [tagger(), spansHead(), NER],
    ] as const) {
      const { lines, logger } = captureLogs();
      const b = await start(backend({ runtime, head } as Parameters<typeof backend>[0]), logger);
      const tasks = [
        { id: 1, data: { text: 'I love it, excellent, Alice' } },
        { id: 2, data: { title: 'no text field' } },
        { id: 3, data: { text: 'Bob was awful in Paris' } },
      ];
      const { status, body } = await post(`${b.url}/predict`, { tasks, project: '5.1', label_config: config });
      expect(status).toBe(200);
      const results = body.results as Array<{ result: unknown[] } | unknown[]>;
      expect(results).toHaveLength(3);
      expect(results[1]).toEqual([]);
      expect((results[0] as { result: unknown[] }).result.length).toBeGreaterThan(0);
      expect((results[2] as { result: unknown[] }).result.length).toBeGreaterThan(0);
      const warnings = lines.filter((l) => l.level === 40 && l.task === 2);
      expect(warnings.map((w) => w.field)).toEqual(['text']);
    }
  });

  it('passes the protocol cases and Label Studio’s sequence', async () => {
    const b = await start(backend({ name: 'OnnxKit', runtime: classifier(), head: choicesHead(), modelVersion: 'onnx-kit-1' }));
    await replayConformanceCases(b, { labelConfig: CHOICES });
    const report = await simulateLabelStudio(b, { labelConfig: CHOICES, tasks: REVIEWS.map((text) => ({ text })) });
    expect(report.modelVersion).toBe('onnx-kit-1');
    expect(report.predictions).toHaveLength(REVIEWS.length);
  });

  it('the examples serve through `lsml start`', { timeout: 90_000 }, async () => {
    const [sentiment, entities] = await Promise.all([
      startBackend(fileURLToPath(new URL('../examples/sentiment.ts', import.meta.url))),
      startBackend(fileURLToPath(new URL('../examples/entities.ts', import.meta.url))),
    ]);
    running.push(sentiment, entities);
    const s = await simulateLabelStudio(sentiment, {
      labelConfig: CHOICES.replace('Thumbs up" predicted_values="positive', 'Positive'),
      tasks: [{ text: 'I love it' }, { text: 'awful, broken' }],
      modelClass: 'OnnxSentiment',
    });
    expect(s.predictions).toHaveLength(2);
    const e = await simulateLabelStudio(entities, { labelConfig: NER, tasks: [{ text: 'Alice lives in London' }], modelClass: 'OnnxEntities' });
    expect(JSON.stringify(e.predictions)).toContain('"London"');
  });
});
