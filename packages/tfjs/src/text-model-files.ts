// A TextModel on disk in the TF.js Layers format: model.json (a Dense softmax layer whose kernel is the
// weights) + weights.bin + vectorizer.json. `tf.loadLayersModel` loads it anywhere TF.js runs (the
// browser included); loading here reads the files directly, without building a TF.js model, so that
// restoring a version does not stall the event loop.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TfjsError } from './errors.js';
import { isHttpSource, loadModelArtifacts, MODEL_JSON, resolveModelPath, saveModel, type LoadModelOptions, type ModelLocation } from './file-io.js';
import { initTfjs } from './platform.js';
import type { TextModel } from './text-model.js';
import { HashedNgramVectorizer, VECTORIZER_FILE } from './text-vectorizer.js';

/** What model.json's `userDefinedMetadata.lsml` holds for a saved text classifier. */
interface TextModelMetadata {
  kind: 'text-classifier';
  /** 1: the mini-batch TF.js classifier of @lsml/tfjs 0.1 (same layout when it had no hidden layer); 2: this one. */
  formatVersion: 1 | 2;
  labels: string[];
  temperature: number;
}

/** Write `model` into `dir` atomically (replacing what `dir` held). */
export async function saveTextModel(model: TextModel, dir: string): Promise<void> {
  await initTfjs();
  const k = model.labels.length;
  const dims = model.vectorizer.dims;
  const layers = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [dims], units: k, activation: 'softmax', kernelInitializer: 'zeros', name: 'classifier' })],
  });
  try {
    const [kernel, bias] = [tf.tensor2d(model.weights, [dims, k]), tf.tensor1d(model.bias)];
    layers.setWeights([kernel, bias]);
    tf.dispose([kernel, bias]);
    const meta: TextModelMetadata = { kind: 'text-classifier', formatVersion: 2, labels: [...model.labels], temperature: model.temperature };
    layers.setUserDefinedMetadata({ lsml: meta as unknown as Record<string, never> });
    const vectorizer = new HashedNgramVectorizer(model.vectorizer).toJSON();
    await saveModel(layers, dir, { extraFiles: { [VECTORIZER_FILE]: JSON.stringify(vectorizer, null, 2) } });
  } finally {
    layers.dispose();
  }
}

/**
 * Read a text classifier saved by `saveTextModel` (a folder, its model.json, a `file:` or http(s)
 * URL). Throws `TfjsError` `model_load` naming the file at fault.
 */
export async function loadTextModel(source: ModelLocation, options: LoadModelOptions = {}): Promise<TextModel> {
  const where = isHttpSource(source) ? String(source) : resolveModelPath(source).modelJson;
  const artifacts = await loadModelArtifacts(source, options);
  const meta = (artifacts.userDefinedMetadata as { lsml?: Partial<TextModelMetadata> } | undefined)?.lsml;
  if (meta?.kind !== 'text-classifier' || !Array.isArray(meta.labels) || !meta.labels.every((l) => typeof l === 'string')) {
    throw new TfjsError('model_load', `${where} is not a text classifier (no userDefinedMetadata.lsml.labels)`, { file: where });
  }
  const vectorizerJson = await readVectorizerJson(source, options);
  let vectorizer: HashedNgramVectorizer;
  try {
    vectorizer = HashedNgramVectorizer.fromJSON(vectorizerJson.json, vectorizerJson.file);
  } catch (err) {
    throw new TfjsError('model_load', (err as Error).message, { file: vectorizerJson.file, cause: err });
  }
  const specs = artifacts.weightSpecs ?? [];
  const k = meta.labels.length;
  const dims = vectorizer.dims;
  // One Dense layer: a [dims, k] kernel and a [k] bias, float32 (a hidden layer is not this format).
  const kernelSpec = specs.find((s) => s.shape.length === 2);
  const biasSpec = specs.find((s) => s.shape.length === 1);
  if (specs.length !== 2 || !kernelSpec || !biasSpec || kernelSpec.shape[0] !== dims || kernelSpec.shape[1] !== k || biasSpec.shape[0] !== k) {
    const shapes = specs.map((s) => `${s.name} [${s.shape.join(', ')}]`).join(', ');
    throw new TfjsError('model_load', `${where}: expected one Dense layer with a [${dims}, ${k}] kernel (vectorizer dims × labels) and a [${k}] bias, found ${shapes || 'no weights'}`, { file: where });
  }
  if (specs.some((s) => s.dtype !== 'float32' || s.quantization)) throw new TfjsError('model_load', `${where}: weights must be unquantised float32`, { file: where });
  const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  // Weights live in shared memory so that worker threads read them without a copy per call.
  const read = (spec: tf.io.WeightsManifestEntry): Float32Array => {
    let offset = 0;
    for (const s of specs) {
      if (s === spec) break;
      offset += s.shape.reduce((a, b) => a * b, 1) * 4;
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(new SharedArrayBuffer(size * 4));
    out.set(new Float32Array(data.slice(offset, offset + size * 4)));
    return out;
  };
  const temperature = typeof meta.temperature === 'number' && meta.temperature > 0 ? meta.temperature : 1;
  return { labels: [...meta.labels], vectorizer: vectorizer.config as TextModel['vectorizer'], weights: read(kernelSpec), bias: read(biasSpec), temperature };
}

/** A copy of `model` whose weights are in shared memory (what the runtime keeps and hands to workers). */
export function sharedTextModel(model: TextModel): TextModel {
  if (model.weights.buffer instanceof SharedArrayBuffer && model.bias.buffer instanceof SharedArrayBuffer) return model;
  const share = (a: Float32Array) => {
    const out = new Float32Array(new SharedArrayBuffer(a.byteLength));
    out.set(a);
    return out;
  };
  return { ...model, weights: share(model.weights), bias: share(model.bias) };
}

async function readVectorizerJson(source: ModelLocation, options: LoadModelOptions): Promise<{ json: unknown; file: string }> {
  if (isHttpSource(source)) {
    const base = String(source).endsWith('/') ? `${String(source)}${MODEL_JSON}` : String(source);
    const url = new URL(VECTORIZER_FILE, base).href;
    const res = await (options.fetchFunc ?? fetch)(url, options.requestInit);
    if (!res.ok) throw new TfjsError('model_load', `Vectorizer file ${url}: HTTP ${res.status}`, { file: url });
    try {
      return { json: await res.json(), file: url };
    } catch (err) {
      throw new TfjsError('model_load', `Corrupt vectorizer file ${url}: ${(err as Error).message}`, { file: url, cause: err });
    }
  }
  const file = path.join(resolveModelPath(source).dir, VECTORIZER_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new TfjsError('model_load', `Vectorizer file not found: ${file}`, { file, cause: err });
  }
  try {
    return { json: JSON.parse(text), file };
  } catch (err) {
    throw new TfjsError('model_load', `Corrupt vectorizer file ${file}: ${(err as Error).message}`, { file, cause: err });
  }
}
