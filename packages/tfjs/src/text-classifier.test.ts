import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFileError } from './file-io.js';
import { initTfjs, type TfjsBackendName } from './runtime.js';
import { runTsx } from './spawn-tsx.test-helper.js';
import { SYNTHETIC_LABELS, syntheticExamples } from './synthetic-text.test-helper.js';
import { fitTemperature, TextClassifier, type ClassPrediction } from './text-classifier.js';

const CHILD = fileURLToPath(new URL('./predict-child.test-helper.ts', import.meta.url));
const train = syntheticExamples(400, 1);
const heldOut = syntheticExamples(300, 2);

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-tfjs-clf-'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

const accuracy = (preds: ClassPrediction[]) => preds.filter((p, i) => p.label === heldOut[i]!.label).length / preds.length;

describe.each<TfjsBackendName>(['cpu', 'wasm'])('TextClassifier on %s', (backend) => {
  let classifier: TextClassifier;
  let predictions: ClassPrediction[];
  const dir = () => path.join(root, backend);

  beforeAll(async () => {
    expect((await initTfjs({ backend })).backend).toBe(backend);
  });
  afterAll(() => classifier?.dispose());

  it('trains on a few hundred labelled sentences', async () => {
    classifier = await TextClassifier.create({ labels: SYNTHETIC_LABELS, vectorizer: { dims: 1024 } });
    const result = await classifier.train(train);
    expect(result).toMatchObject({ backend, labels: [...SYNTHETIC_LABELS], trainExamples: 320, valExamples: 80, skippedExamples: 0 });
    expect(result.valAccuracy).toBeGreaterThan(0.8);
    predictions = await classifier.predict(heldOut.map((e) => e.text));
    // 5% of the synthetic labels are noise, so ~0.95 is the ceiling.
    expect(accuracy(predictions)).toBeGreaterThan(0.85);
    // Calibrated: mean confidence close to accuracy (uncalibrated it is ~0.05–0.07 lower here).
    const meanScore = predictions.reduce((a, p) => a + p.score, 0) / predictions.length;
    expect(Math.abs(meanScore - accuracy(predictions))).toBeLessThan(0.04);
    expect(result.temperature).not.toBe(1);
    for (const p of predictions) {
      expect(p.score).toBe(Math.max(...Object.values(p.scores)));
      expect(Object.values(p.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('saves, then predicts identically after loading in a fresh process', async () => {
    await classifier.save(dir());
    expect((await fs.readdir(dir())).sort()).toEqual(['model.json', 'vectorizer.json', 'weights.bin']);
    const textsFile = path.join(root, `${backend}-texts.json`);
    await fs.writeFile(textsFile, JSON.stringify(heldOut.map((e) => e.text)));
    const child = await runTsx(CHILD, [backend, dir(), textsFile]);
    expect(child.stderr).toBe('');
    const out = JSON.parse(child.stdout) as { backend: string; predictions: ClassPrediction[] };
    expect(out.backend).toBe(backend);
    expect(out.predictions).toEqual(JSON.parse(JSON.stringify(predictions)));
  });

  it('loads in this process too, with the same labels, temperature and vectorizer', async () => {
    const loaded = await TextClassifier.load(dir());
    expect(loaded.labels).toEqual(classifier.labels);
    expect(loaded.temperature).toBe(classifier.temperature);
    expect(loaded.vectorizer.config).toEqual(classifier.vectorizer.config);
    expect(await loaded.predict(heldOut.slice(0, 50).map((e) => e.text))).toEqual(predictions.slice(0, 50));
    loaded.dispose();
  });
});

describe('TextClassifier files', () => {
  it('predicts the same on wasm as on cpu (to 1e-5)', async () => {
    await initTfjs({ backend: 'wasm' });
    const fromCpu = await TextClassifier.load(path.join(root, 'cpu'));
    const texts = heldOut.slice(0, 100).map((e) => e.text);
    const onWasm = await fromCpu.predict(texts);
    await initTfjs({ backend: 'cpu' });
    const onCpu = await fromCpu.predict(texts);
    onWasm.forEach((p, i) => {
      expect(p.label).toBe(onCpu[i]!.label);
      expect(p.score).toBeCloseTo(onCpu[i]!.score, 5);
    });
    fromCpu.dispose();
  });

  it('loads over http(s), vectorizer.json included', async () => {
    await initTfjs({ backend: 'cpu' });
    const server = http.createServer((req, res) => {
      fs.readFile(path.join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))).then(
        (body) => res.end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const remote = await TextClassifier.load(`${url}/cpu/model.json`);
      const local = await TextClassifier.load(path.join(root, 'cpu'));
      const texts = heldOut.slice(0, 20).map((e) => e.text);
      expect(await remote.predict(texts)).toEqual(await local.predict(texts));
      remote.dispose();
      local.dispose();
      await fs.cp(path.join(root, 'cpu', 'model.json'), path.join(root, 'no-vectorizer', 'model.json'), { recursive: true });
      await expect(TextClassifier.load(`${url}/no-vectorizer/model.json`)).rejects.toThrow(`Cannot fetch ${url}/no-vectorizer/weights.bin: HTTP 404`);
      await fs.cp(path.join(root, 'cpu', 'weights.bin'), path.join(root, 'no-vectorizer', 'weights.bin'));
      await expect(TextClassifier.load(`${url}/no-vectorizer/model.json`)).rejects.toThrow(`Vectorizer file ${url}/no-vectorizer/vectorizer.json: HTTP 404`);
    } finally {
      server.close();
    }
  });

  it('names the missing or corrupt file', async () => {
    const dir = path.join(root, 'broken');
    await fs.cp(path.join(root, 'cpu'), dir, { recursive: true });
    await fs.rm(path.join(dir, 'vectorizer.json'));
    await expect(TextClassifier.load(dir)).rejects.toThrow(`Vectorizer file not found: ${path.join(dir, 'vectorizer.json')}`);
    await fs.writeFile(path.join(dir, 'vectorizer.json'), '{"type":"hashed-ngram","formatVersion":1,"hash":"fnv1a-32","dims":7,"ngramRange":[1,2],"lowercase":true,"sublinearTf":true,"norm":"l2","seed":0}');
    await expect(TextClassifier.load(dir)).rejects.toThrow(`${path.join(dir, 'vectorizer.json')}: dims 7 do not match the model input (1024)`);
    await expect(TextClassifier.load(path.join(root, 'nowhere'))).rejects.toThrow(ModelFileError);
    await expect(TextClassifier.load(path.join(root, 'nowhere'))).rejects.toThrow(`Model file not found: ${path.join(root, 'nowhere', 'model.json')}`);
  });

  it('skips examples with unknown labels and rejects a set with none known', async () => {
    await initTfjs({ backend: 'cpu' });
    const clf = await TextClassifier.create({ labels: ['A', 'B'], vectorizer: { dims: 64 } });
    const result = await clf.train(
      [{ text: 'x', label: 'A' }, { text: 'y', label: 'B' }, { text: 'z', label: 'C' }],
      { epochs: 2 },
    );
    expect(result).toMatchObject({ skippedExamples: 1, trainExamples: 2, valExamples: 0, temperature: 1 });
    await expect(clf.train([{ text: 'z', label: 'C' }])).rejects.toThrow(/No training examples with one of the labels \["A","B"\]/);
    clf.dispose();
  });
});

describe('fitTemperature', () => {
  it('softens over-confident scores and sharpens timid ones, never changing the argmax', () => {
    // Over-confident: 0.99 on the true class only 70% of the time.
    const n = 100;
    const over = new Float32Array(n * 2);
    const targets = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      over.set([0.99, 0.01], i * 2);
      targets[i] = i < 70 ? 0 : 1;
    }
    expect(fitTemperature(over, targets, 2)).toBeGreaterThan(1.5);
    const timid = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) timid.set(targets[i] === 0 ? [0.6, 0.4] : [0.4, 0.6], i * 2);
    expect(fitTemperature(timid, targets, 2)).toBeLessThan(0.6);
    expect(fitTemperature(new Float32Array(0), new Int32Array(0), 2)).toBe(1);
  });
});
