// backend({ runtime: transformersRuntime(...), head }) served over real HTTP on the tiny local models:
// the heads of @lsml/core turn this adapter's outputs into the right regions (compared with the
// runtime's own outputs), a label config the model cannot fill answers 422 naming the control, a task
// without its text gets no prediction and a warning while its siblings are predicted, and each task
// passes the @lsml/testing kit (protocol cases + Label Studio's sequence).
import { backend, choicesHead, createLogger, spansHead, textareaHead, toCodePointOffset, type BackendClass } from '@lsml/core';
import { projectUid, replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseAllPipelines } from './pipelines.js';
import { transformersRuntime } from './runtime.js';
import { pngBytes, testModel } from './test-models.test-helper.js';

const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-http-images-'));
const pixelOf = (seed: number) => (x: number, y: number): [number, number, number] => [(x * 7 + seed * 80) % 256, (y * 5 + seed * 30) % 256, 128];
const IMAGES = [
  { file: path.join(imageDir, 'a.png'), width: 64, height: 48, seed: 0 },
  { file: path.join(imageDir, 'b.png'), width: 40, height: 90, seed: 1 },
];
for (const img of IMAGES) fs.writeFileSync(img.file, pngBytes(img.width, img.height, pixelOf(img.seed)));

const running: RunningBackend[] = [];
afterAll(async () => {
  await Promise.all(running.map((b) => b.stop()));
  await releaseAllPipelines();
  fs.rmSync(imageDir, { recursive: true, force: true });
});

/** Start `Model` in this process with strict validation; warnings and above are kept in `logs`. */
async function serve(Model: BackendClass): Promise<{ url: string; logs: Array<Record<string, unknown>> }> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const b = await startBackend(Model, { server: { strictValidation: true, logger } });
  running.push(b);
  return { url: b.url, logs };
}

async function post<T = Record<string, unknown>>(url: string, route: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

interface Region {
  from_name: string;
  to_name: string;
  type: string;
  value: Record<string, unknown>;
  score?: number;
}
interface Prediction {
  score?: number;
  result: Region[];
}

const predict = (url: string, project: number, labelConfig: string, tasks: Array<{ id: number; data: Record<string, unknown> }>) =>
  post<{ results: Array<Prediction | Prediction[]> }>(url, '/predict', {
    tasks: tasks.map((t) => ({ ...t, project })),
    project: projectUid(project),
    label_config: labelConfig,
    params: { login: null, password: null, context: null },
  });

const NER_CONFIG = `<View><Labels name="label" toName="text">
  <Label value="Person" predicted_values="PER"/><Label value="Organization" predicted_values="ORG"/><Label value="LOC"/><Label value="MISC"/>
</Labels><Text name="text" value="$text"/></View>`;
const NER_AS_CONFIG: Record<string, string> = { PER: 'Person', ORG: 'Organization', LOC: 'LOC', MISC: 'MISC' };
const SENTIMENT_CONFIG =
  '<View><Text name="review" value="$review"/><Choices name="sentiment" toName="review"><Choice value="Good" predicted_values="POSITIVE"/><Choice value="Bad" predicted_values="NEGATIVE"/></Choices></View>';

describe('spansHead over transformersRuntime (token-classification)', () => {
  const runtime = transformersRuntime({ task: 'token-classification', model: testModel('tiny-bert-ner') });
  const Ner = backend({ name: 'TransformersNer', runtime, head: spansHead() });
  const texts = ['John Smith works at Acme Corp in Berlin.', 'Zoë 😀 Marie Curie lives in 東京, Parisian café!', ''];

  it('serves the runtime’s spans as Labels regions in code points, under the config’s labels', async () => {
    const { url } = await serve(Ner);
    expect((await post(url, '/setup', { project: projectUid(1), schema: NER_CONFIG, extra_params: null })).body).toEqual({ model_version: 'tiny-bert-ner' });
    const res = await predict(url, 1, NER_CONFIG, texts.map((text, i) => ({ id: i + 1, data: { text } })));
    expect(res.status).toBe(200);
    const expected = await runtime.run(texts.map((text) => ({ kind: 'text' as const, text })));
    expect(expected.reduce((a, o) => a + o.spans.length, 0)).toBeGreaterThan(2);
    res.body.results.forEach((p, i) => {
      const text = texts[i]!;
      const regions = (p as Prediction).result;
      expect(regions).toEqual(
        expected[i]!.spans.map((s) => ({
          from_name: 'label',
          to_name: 'text',
          type: 'labels',
          value: { start: toCodePointOffset(text, s.start), end: toCodePointOffset(text, s.end), text: text.slice(s.start, s.end), labels: [NER_AS_CONFIG[s.label]] },
          score: expect.closeTo(s.score, 6),
        })),
      );
    });
  });

  it('a config the model cannot fill answers 422 naming the control, at /setup and /predict', async () => {
    const { url } = await serve(Ner);
    const misfit = '<View><Labels name="food" toName="text"><Label value="Pizza"/><Label value="Soup"/></Labels><Text name="text" value="$text"/></View>';
    const setup = await post<{ detail?: string }>(url, '/setup', { project: projectUid(2), schema: misfit, extra_params: null });
    expect(setup.status).toBe(422);
    expect(JSON.stringify(setup.body)).toContain('food');
    const res = await predict(url, 2, misfit, [{ id: 1, data: { text: 'John Smith' } }]);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('food');
    const noLabels = '<View><Choices name="c" toName="text"><Choice value="A"/></Choices><Text name="text" value="$text"/></View>';
    const wrongControl = await post(url, '/setup', { project: projectUid(3), schema: noLabels, extra_params: null });
    expect(wrongControl.status).toBe(422);
    expect(JSON.stringify(wrongControl.body)).toContain('Labels');
  });

  it('a task without its text gets no prediction and a warning; its siblings are predicted', async () => {
    const { url, logs } = await serve(Ner);
    const tasks = [
      { id: 11, data: { text: texts[0] } },
      { id: 12, data: { other: 'no text field' } },
      { id: 13, data: { text: 42 } },
      { id: 14, data: { text: texts[1] } },
    ];
    const res = await predict(url, 4, NER_CONFIG, tasks);
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(4);
    const [first, missing, wrongType, last] = res.body.results;
    expect((first as Prediction).result.length).toBeGreaterThan(0);
    expect((last as Prediction).result.length).toBeGreaterThan(0);
    for (const none of [missing, wrongType]) expect(Array.isArray(none) ? none : (none as Prediction).result).toEqual([]);
    const warned = logs.filter((l) => l.level === 40 && l.field === 'text').map((l) => l.task);
    expect(warned).toEqual([12, 13]);
  });
});

describe('choicesHead over transformersRuntime (text-classification)', () => {
  const runtime = transformersRuntime({ task: 'text-classification', model: testModel('tiny-bert-sst2') });
  const Sentiment = backend({ name: 'TransformersSentiment', runtime, head: choicesHead() });

  it('serves the runtime’s best class through predicted_values, with its probability', async () => {
    const { url } = await serve(Sentiment);
    const reviews = ['this movie was great', 'bad film, not good', 'it is a film about love'];
    const res = await predict(url, 5, SENTIMENT_CONFIG, reviews.map((review, i) => ({ id: i + 1, data: { review } })));
    expect(res.status).toBe(200);
    const expected = await runtime.run(reviews.map((text) => ({ kind: 'text' as const, text })));
    res.body.results.forEach((p, i) => {
      const best = [...expected[i]!.classes].sort((a, b) => b.score - a.score)[0]!;
      const region = (p as Prediction).result[0]!;
      expect(region).toMatchObject({ from_name: 'sentiment', to_name: 'review', type: 'choices', value: { choices: [best.label === 'POSITIVE' ? 'Good' : 'Bad'] } });
      expect(region.score).toBeCloseTo(best.score, 6);
    });
  });

  it('a config whose choices match no class answers 422 naming the control', async () => {
    const { url } = await serve(Sentiment);
    const misfit = '<View><Text name="t" value="$text"/><Choices name="topic" toName="t"><Choice value="Spam"/><Choice value="Ham"/></Choices></View>';
    const setup = await post(url, '/setup', { project: projectUid(6), schema: misfit, extra_params: null });
    expect(setup.status).toBe(422);
    expect(JSON.stringify(setup.body)).toContain('topic');
  });

  it('a task without its text gets no prediction and a warning; its siblings are predicted', async () => {
    const { url, logs } = await serve(Sentiment);
    const res = await predict(url, 7, SENTIMENT_CONFIG, [
      { id: 21, data: { review: 'great' } },
      { id: 22, data: {} },
      { id: 23, data: { review: 'bad' } },
    ]);
    expect(res.status).toBe(200);
    const [a, none, c] = res.body.results;
    expect((a as Prediction).result).toHaveLength(1);
    expect((c as Prediction).result).toHaveLength(1);
    expect(Array.isArray(none) ? none : (none as Prediction).result).toEqual([]);
    expect(logs.filter((l) => l.level === 40 && l.field === 'review').map((l) => l.task)).toEqual([22]);
  });
});

describe('choicesHead over transformersRuntime (image-classification)', () => {
  const runtime = transformersRuntime({ task: 'image-classification', model: testModel('tiny-vit') });
  const Images = backend({ name: 'TransformersImages', runtime, head: choicesHead() });
  const CONFIG = '<View><Image name="img" value="$image"/><Choices name="animal" toName="img"><Choice value="Cat" predicted_values="cat"/><Choice value="Dog" predicted_values="dog"/><Choice value="bird"/></Choices></View>';

  it('classifies each task’s image file as the runtime classifies its pixels', async () => {
    const { url } = await serve(Images);
    const res = await predict(url, 8, CONFIG, IMAGES.map((img, i) => ({ id: i + 1, data: { image: img.file } })));
    expect(res.status).toBe(200);
    // The same images as the head should hand them over: the PNG's exact RGB pixels (PNG is lossless).
    const expected = await runtime.run(
      IMAGES.map((img) => {
        const pixels = new Uint8Array(img.width * img.height * 3);
        for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) pixels.set(pixelOf(img.seed)(x, y), (y * img.width + x) * 3);
        return { kind: 'image' as const, pixels, width: img.width, height: img.height, channels: 3 as const, originalWidth: img.width, originalHeight: img.height, transform: { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 } };
      }),
    );
    const asConfig: Record<string, string> = { cat: 'Cat', dog: 'Dog', bird: 'bird' };
    res.body.results.forEach((p, i) => {
      const best = expected[i]!.classes.filter((c) => c.label in asConfig).sort((a, b) => b.score - a.score)[0]!;
      const region = (p as Prediction).result[0]!;
      expect(region).toMatchObject({ from_name: 'animal', to_name: 'img', type: 'choices', value: { choices: [asConfig[best.label]] } });
      expect(region.score).toBeCloseTo(best.score, 5);
    });
  });
});

interface KitCase {
  Model: BackendClass;
  labelConfig: string;
  tasks: Array<Record<string, unknown>>;
  extraParams?: Record<string, unknown>;
  context?: Record<string, unknown>;
  modelVersion: string;
}

const CASES: Record<string, KitCase> = {
  'text-classification': {
    Model: backend({ runtime: transformersRuntime({ task: 'text-classification', model: testModel('tiny-bert-sst2') }), head: choicesHead() }),
    labelConfig: '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>',
    tasks: [{ text: 'a great film' }, { text: 'bad' }],
    modelVersion: 'tiny-bert-sst2',
  },
  'token-classification': {
    Model: backend({ runtime: transformersRuntime({ task: 'token-classification', model: testModel('tiny-bert-ner') }), head: spansHead() }),
    labelConfig: '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/></Labels><Text name="text" value="$text"/></View>',
    tasks: [{ text: 'Zoë 😀 Marie Curie lives in 東京.' }, { text: 'John Smith visited Berlin.' }],
    extraParams: { threshold: 0 },
    modelVersion: 'tiny-bert-ner',
  },
  'zero-shot-classification': {
    Model: backend({ runtime: transformersRuntime({ task: 'zero-shot-classification', model: testModel('tiny-bert-nli') }), head: choicesHead() }),
    labelConfig: '<View><Text name="text" value="$text"/><Choices name="topic" toName="text"><Choice value="sports"/><Choice value="politics"/></Choices></View>',
    tasks: [{ text: 'the match ended 2-1' }],
    modelVersion: 'tiny-bert-nli',
  },
  'text-generation': {
    Model: backend({
      runtime: transformersRuntime({ task: 'text-generation', model: testModel('tiny-gpt2'), options: { generation: { max_new_tokens: 3 } } }),
      head: textareaHead(),
    }),
    labelConfig: '<View><Text name="text" value="$text"/><TextArea name="prompt" toName="text"/><TextArea name="summary" toName="text"/></View>',
    tasks: [{ text: 'Once upon a time' }],
    context: { result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Continue:'] } }] },
    modelVersion: 'tiny-gpt2',
  },
};

CASES['image-classification'] = {
  Model: backend({ runtime: transformersRuntime({ task: 'image-classification', model: testModel('tiny-vit') }), head: choicesHead() }),
  labelConfig: '<View><Image name="image" value="$image"/><Choices name="animal" toName="image"><Choice value="cat"/><Choice value="dog"/></Choices></View>',
  tasks: [{ image: IMAGES[0]!.file }],
  modelVersion: 'tiny-vit',
};

describe('@lsml/transformers with the @lsml/testing kit', () => {
  it.each(Object.entries(CASES))('%s: protocol cases and Label Studio’s sequence', async (name, c) => {
    const b = await startBackend(c.Model, { server: { strictValidation: true } });
    running.push(b);
    await replayConformanceCases(b, { labelConfig: c.labelConfig });
    const report = await simulateLabelStudio(b, { labelConfig: c.labelConfig, tasks: c.tasks, extraParams: c.extraParams, context: c.context });
    expect(report.modelVersion).toBe(c.modelVersion);
    expect(report.predictions, name).toHaveLength(c.tasks.length);
    if (c.context) expect(report.interactive).toHaveLength(1);
  });
});

