// End to end: a backend served by @lsml/core's createServer, driven like Label Studio drives it
// (/setup with the project's label config and extra_params, then /predict), on both libraries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codePointSlice, createServer, LabelInterface, MemoryStore, validatePrediction, type LsmlServer } from '@lsml/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { transformersBackend, type TransformersBackendConfig } from './backend.js';
import { releaseAllPipelines, type LibraryName } from './runtime.js';
import { LIBRARIES, pngBytes, testModel } from './test-models.test-helper.js';

const running: LsmlServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});
afterAll(() => releaseAllPipelines());

async function serve(config: TransformersBackendConfig) {
  const server = createServer(transformersBackend({ ...config, name: 'TinyBackend' }), { store: new MemoryStore(), env: {}, logLevel: 'silent' });
  running.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  return url;
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-e2e-'));
const imageFile = path.join(imageDir, 'photo.png');
fs.writeFileSync(imageFile, pngBytes(80, 60, (x, y) => [x * 3, y * 4, 100]));

interface Case {
  name: string;
  config: Omit<TransformersBackendConfig, 'library'>;
  labelConfig: string;
  data: Array<Record<string, unknown>>;
  extraParams?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    name: 'text-classification',
    config: { task: 'text-classification', model: testModel('tiny-bert-sst2') },
    labelConfig:
      '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>',
    data: [{ text: 'this movie was great' }, { text: 'bad film' }],
  },
  {
    name: 'token-classification',
    config: { task: 'token-classification', model: testModel('tiny-bert-ner') },
    labelConfig:
      '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/></Labels><Text name="text" value="$text"/></View>',
    data: [{ text: 'Zoë 😀 Marie Curie lives in 東京, Parisian café!' }, { text: 'John Smith visited Berlin.' }],
  },
  {
    name: 'zero-shot-classification',
    config: { task: 'zero-shot-classification', model: testModel('tiny-bert-nli') },
    labelConfig:
      '<View><Text name="text" value="$text"/><Choices name="topic" toName="text"><Choice value="sports"/><Choice value="politics"/><Choice value="news"/></Choices></View>',
    data: [{ text: 'this film is about sports' }],
    extraParams: { hypothesis_template: 'The topic is {}.' },
  },
  {
    name: 'text-generation',
    config: { task: 'text-generation', model: testModel('tiny-gpt2'), options: { generation: { max_new_tokens: 5 } } },
    labelConfig: '<View><Text name="text" value="$text"/><TextArea name="prompt" toName="text"/><TextArea name="summary" toName="text"/></View>',
    data: [{ text: 'Once upon a time' }],
    extraParams: { max_new_tokens: 4, do_sample: false },
    context: { result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Continue:'] } }] },
  },
  {
    name: 'image-classification',
    config: { task: 'image-classification', model: testModel('tiny-vit') },
    labelConfig: '<View><Image name="image" value="$image"/><Choices name="animal" toName="image"><Choice value="cat"/><Choice value="dog"/><Choice value="bird"/></Choices></View>',
    data: [{ image: imageFile }],
  },
  {
    name: 'object-detection',
    config: { task: 'object-detection', model: testModel('tiny-detr'), options: { threshold: 0.2 } },
    labelConfig:
      '<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="cat"/><Label value="dog"/><Label value="car"/></RectangleLabels></View>',
    data: [{ image: imageFile }],
  },
];

describe.each(LIBRARIES)('served like Label Studio drives it (%s)', (library: LibraryName) => {
  it.each(CASES)('$name: /setup then /predict give valid predictions', async (c) => {
    const url = await serve({ ...c.config, library } as TransformersBackendConfig);
    const setup = await post(`${url}/setup`, {
      project: '3.1717000000',
      schema: c.labelConfig,
      hostname: 'http://localhost:8080',
      access_token: 'token',
      extra_params: c.extraParams ? JSON.stringify(c.extraParams) : '',
    });
    expect(setup.status).toBe(200);
    expect(setup.body.model_version).toBe(path.basename(String(c.config.model)));

    const tasks = c.data.map((data, i) => ({ id: 100 + i, data, project: 3 }));
    const res = await post(`${url}/predict`, {
      tasks,
      project: '3.1717000000',
      label_config: c.labelConfig,
      params: { login: null, password: null, context: c.context ?? null },
    });
    expect(res.status).toBe(200);
    const results = res.body.results as Array<{ model_version: string; score: number; result: unknown[] }>;
    expect(results).toHaveLength(tasks.length);
    const li = new LabelInterface(c.labelConfig);
    for (const p of results) {
      expect(validatePrediction(li, p)).toEqual({ ok: true, errors: [] });
      expect(p.model_version).toBe(path.basename(String(c.config.model)));
      expect(p.result.length).toBeGreaterThan(0);
    }
    if (c.name === 'token-classification') {
      for (const [i, p] of results.entries()) {
        for (const r of p.result as Array<{ value: { start: number; end: number; text: string } }>) {
          expect(codePointSlice(c.data[i]?.text as string, r.value.start, r.value.end)).toBe(r.value.text);
        }
      }
    }
  });

  it('/setup reports a label config the model cannot serve', async () => {
    const url = await serve({ task: 'token-classification', model: testModel('tiny-bert-ner'), library });
    const res = await post(`${url}/setup`, {
      project: '4.1',
      schema: '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A"/></Choices></View>',
    });
    expect(res.status).toBe(500);
    expect(String(res.body.detail)).toMatch(/token-classification needs a <Labels> control/);
  });

  it('a missing model folder fails /setup with the expected files', async () => {
    const url = await serve({ task: 'text-classification', model: path.join(imageDir, 'no-model'), library });
    const res = await post(`${url}/setup`, { project: '5.1', schema: CASES[0]?.labelConfig });
    expect(res.status).toBe(500);
    expect(String(res.body.detail)).toMatch(/config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model/);
    expect(String(res.body.detail)).toContain(path.join(imageDir, 'no-model'));
  });
});
