import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TfjsError } from './errors.js';
import { loadGraphModel, loadLayersModel, loadModel, saveModel, writeDirAtomic } from './file-io.js';
import { initTfjs } from './platform.js';

let root: string;
beforeAll(async () => {
  await initTfjs({ backend: 'cpu' });
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-tfjs-io-'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

function smallModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  return m;
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

/** A hand-written graph model: y = x · W, W 3×2. */
async function writeGraphModel(dir: string): Promise<Float32Array> {
  const W = new Float32Array([1, 2, 3, 4, 5, 6]);
  const float = { type: 'DT_FLOAT' };
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'hand',
    convertedBy: 'test',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '3' }] } } } },
        { name: 'W', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '3' }, { size: '2' }] } } } } },
        { name: 'MatMul', op: 'MatMul', input: ['x', 'W'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'Identity', op: 'Identity', input: ['MatMul'], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'W', shape: [3, 2], dtype: 'float32' }] }],
  };
  await writeDirAtomic(dir, { 'model.json': JSON.stringify(modelJson), 'weights.bin': new Uint8Array(W.buffer) });
  return W;
}

describe('file-system IO', () => {
  it('saves and loads a layers model with identical weights and extra files', async () => {
    const dir = path.join(root, 'layers');
    const model = smallModel();
    await saveModel(model, dir, { extraFiles: { 'labels.json': '["a","b"]' } });
    expect((await fs.readdir(dir)).sort()).toEqual(['labels.json', 'model.json', 'weights.bin']);
    expect((await fs.readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]); // no temp dirs left
    const loaded = await loadLayersModel(dir);
    expect(weightsOf(loaded)).toEqual(weightsOf(model));
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    tf.dispose([x]);
    model.dispose();
    loaded.dispose();
  });

  it('keeps the tfjs-node call style: model.save("file://…") and tf.loadLayersModel("file://…/model.json")', async () => {
    const dir = path.join(root, 'router');
    const model = smallModel();
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(pathToFileURL(path.join(dir, 'model.json')).href);
    expect(weightsOf(loaded)).toEqual(weightsOf(model));
    model.dispose();
    loaded.dispose();
  });

  it('replaces a model atomically and leaves the old one intact when a save fails', async () => {
    const dir = path.join(root, 'replace');
    const a = smallModel();
    const b = smallModel();
    await saveModel(a, dir);
    await saveModel(b, dir);
    const loaded = await loadLayersModel(dir);
    expect(weightsOf(loaded)).toEqual(weightsOf(b));
    // A write that fails half-way (second file) must not touch the saved model.
    await expect(writeDirAtomic(dir, { 'model.json': '{}', 'weights.bin': 42 as unknown as Uint8Array })).rejects.toThrow();
    const again = await loadLayersModel(dir);
    expect(weightsOf(again)).toEqual(weightsOf(b));
    expect((await fs.readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
    for (const m of [a, b, loaded, again]) m.dispose();
  });

  it('names the missing model.json, and points at a copy left by an interrupted save', async () => {
    const dir = path.join(root, 'missing');
    const err = await loadLayersModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TfjsError);
    expect((err as TfjsError).message).toBe(`Model file not found: ${path.join(dir, 'model.json')}`);
    expect((err as TfjsError).file).toBe(path.join(dir, 'model.json'));
    // A crash between the two renames of a replace: only the old copy exists.
    const model = smallModel();
    await saveModel(model, path.join(root, '.missing.old-1-abcd'));
    await expect(loadLayersModel(dir)).rejects.toThrow(/an interrupted save left a complete copy in .*\.missing\.old-1-abcd/);
    model.dispose();
  });

  it('names the corrupt file: bad JSON, truncated or missing weights, escaping paths', async () => {
    const dir = path.join(root, 'corrupt');
    const model = smallModel();
    await saveModel(model, dir);
    const modelJson = path.join(dir, 'model.json');
    const weights = path.join(dir, 'weights.bin');
    const good = await fs.readFile(modelJson, 'utf8');
    const bytes = await fs.readFile(weights);

    await fs.writeFile(weights, bytes.subarray(0, 10));
    await expect(loadLayersModel(dir)).rejects.toThrow(`Corrupt weight file ${weights}: 10 bytes, but ${modelJson} declares ${bytes.length}`);
    await fs.rm(weights);
    await expect(loadLayersModel(dir)).rejects.toThrow(`Weight file not found: ${weights} (listed in ${modelJson})`);
    await fs.writeFile(weights, bytes);

    await fs.writeFile(modelJson, good.slice(0, 40));
    await expect(loadLayersModel(dir)).rejects.toThrow(new RegExp(`^Corrupt model file ${modelJson}: `));
    await fs.writeFile(modelJson, '{"format":"layers-model"}');
    await expect(loadLayersModel(dir)).rejects.toThrow(`Corrupt model file ${modelJson}: no "modelTopology" object`);
    await fs.writeFile(modelJson, good.replace('"weights.bin"', '"../../etc/passwd"'));
    await expect(loadLayersModel(dir)).rejects.toThrow(/points outside the model directory/);
    await fs.writeFile(modelJson, good);
    (await loadLayersModel(dir)).dispose();
    model.dispose();
  });

  it('loads a graph model, detects the kind, and saves it back', async () => {
    const dir = path.join(root, 'graph');
    const W = await writeGraphModel(dir);
    const graph = await loadGraphModel(dir);
    const x = tf.tensor2d([[1, 0, 2]]);
    const y = graph.predict(x) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([1 * W[0]! + 2 * W[4]!, 1 * W[1]! + 2 * W[5]!]);
    await expect(loadLayersModel(dir)).rejects.toThrow(/holds a graph model; load it with loadGraphModel/);
    const copy = path.join(root, 'graph-copy');
    await saveModel(graph, copy);
    const detected = await loadModel(copy);
    expect(detected.type).toBe('graph');
    expect(Array.from((detected.model.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(y.dataSync()));
    tf.dispose([x, y]);
    graph.dispose();
    detected.model.dispose();
  });

  it('loads layers and graph models over http(s)', async () => {
    const model = smallModel();
    await saveModel(model, path.join(root, 'http', 'layers'));
    await writeGraphModel(path.join(root, 'http', 'graph'));
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      fs.readFile(path.join(root, 'http', decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))).then(
        (body) => res.end(body),
        () => res.writeHead(404).end('not found'),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const loaded = await loadLayersModel(`${url}/layers/model.json`);
      expect(weightsOf(loaded)).toEqual(weightsOf(model));
      const graph = await loadModel(`${url}/graph/`);
      expect(graph.type).toBe('graph');
      expect(requests).toEqual(['/layers/model.json', '/layers/weights.bin', '/graph/model.json', '/graph/weights.bin']);
      await expect(loadLayersModel(`${url}/nope/model.json`)).rejects.toThrow(`Cannot fetch ${url}/nope/model.json: HTTP 404`);
      loaded.dispose();
      graph.model.dispose();
    } finally {
      server.close();
      model.dispose();
    }
  });
});
