// Model files on disk without tfjs-node: TF.js alone has no file:// handler ("Cannot find any save
// handlers") and its http loader cannot fetch file:// URLs. Saves are atomic (temp dir + rename).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

/** The file name of a saved model's topology and weights manifest. */
export const MODEL_JSON = 'model.json';
/** The file name of a saved model's weights. */
export const WEIGHTS_BIN = 'weights.bin';

/** A model file that is missing, unreadable or inconsistent; `file` is the path at fault. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where a model is loaded from: a folder or `model.json` path, a `file:` URL, or an http(s) URL. */
export type ModelSource = string | URL;

/** Options of {@link saveModel}. */
export interface SaveFilesOptions {
  /** More files written in the same atomic step, e.g. `{ 'vectorizer.json': '…' }`. */
  extraFiles?: Record<string, string | Uint8Array>;
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** For http(s) sources: headers, credentials… (passed to fetch). */
  requestInit?: RequestInit;
  /** The fetch implementation for http(s) sources (default: the global one). */
  fetchFunc?: typeof fetch;
}

/** A loaded TF.js model: a layers model (trainable) or a graph model (inference only). */
export type LoadedModel = { type: 'layers'; model: tf.LayersModel } | { type: 'graph'; model: tf.GraphModel };

/** True when `source` is an http(s) URL (loaded with fetch rather than from disk). */
export function isHttpSource(source: ModelSource): boolean {
  return /^https?:\/\//i.test(String(source));
}

/** `dir`, `dir/model.json`, `file:///abs/dir` or `file://relative/dir` → the directory and its model.json. */
export function resolveModelPath(source: ModelSource): { dir: string; modelJson: string } {
  let p = String(source);
  if (p.startsWith('file://')) {
    // tfjs-node accepts `file://relative`, so keep that style working next to proper file URLs.
    p = p.startsWith('file:///') ? fileURLToPath(p) : p.slice('file://'.length);
  }
  const abs = path.resolve(p);
  return path.basename(abs) === MODEL_JSON ? { dir: path.dirname(abs), modelJson: abs } : { dir: abs, modelJson: path.join(abs, MODEL_JSON) };
}

/** An IOHandler (save and load) for a model directory, usable with `model.save()` and `tf.load*Model()`. */
export function fileSystem(source: ModelSource, options: SaveFilesOptions = {}): tf.io.IOHandler {
  const { dir, modelJson } = resolveModelPath(source);
  return {
    save: (artifacts) => saveArtifacts(dir, artifacts, options),
    load: () => readModelArtifacts(modelJson),
  };
}

// ---- save -------------------------------------------------------------------------------------------

async function saveArtifacts(dir: string, artifacts: tf.io.ModelArtifacts, options: SaveFilesOptions): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('Saving a binary GraphDef topology is not supported; convert the model to TF.js JSON format');
  }
  const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    trainingConfig: artifacts.trainingConfig,
    signature: artifacts.signature,
    userDefinedMetadata: artifacts.userDefinedMetadata,
    modelInitializer: artifacts.modelInitializer,
    initializerSignature: artifacts.initializerSignature,
  };
  for (const name of Object.keys(options.extraFiles ?? {})) {
    if (name === MODEL_JSON || name === WEIGHTS_BIN || path.basename(name) !== name || name.startsWith('.')) {
      throw new Error(`Invalid extra file name "${name}": use a plain file name other than ${MODEL_JSON} and ${WEIGHTS_BIN}`);
    }
  }
  await writeDirAtomic(dir, {
    [MODEL_JSON]: JSON.stringify(modelJson), // undefined fields drop out
    [WEIGHTS_BIN]: new Uint8Array(weightData),
    ...options.extraFiles,
  });
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

/**
 * Replace `dir` with exactly `files`, so readers see the old model or the new one, never a mix: write a
 * sibling temp dir, fsync, then rename it into place. A crash between the two renames leaves the old
 * copy complete beside it (`.NAME.old-*`), and the load error points to it.
 */
export async function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${tag}`);
  await fs.mkdir(parent, { recursive: true });
  await fs.mkdir(tmp);
  try {
    for (const [name, data] of Object.entries(files)) {
      const fh = await fs.open(path.join(tmp, name), 'w');
      try {
        await fh.writeFile(data);
        await fh.sync(); // the data must be on disk before the rename makes it visible
      } finally {
        await fh.close();
      }
    }
    let old: string | null = null;
    try {
      await fs.rename(tmp, target); // works when target is absent (or an empty dir)
    } catch (err) {
      if (!isCode(err, 'ENOTEMPTY', 'EEXIST', 'EPERM', 'EISDIR')) throw err;
      old = path.join(parent, `.${path.basename(target)}.old-${tag}`);
      await fs.rename(target, old);
      try {
        await fs.rename(tmp, target);
      } catch (err2) {
        await fs.rename(old, target).catch(() => undefined); // put the previous model back
        throw err2;
      }
    }
    await syncDir(parent);
    if (old) await fs.rm(old, { recursive: true, force: true });
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

async function syncDir(dir: string): Promise<void> {
  // Persists the rename itself; not possible on every platform (Windows), where it is best effort.
  try {
    const fh = await fs.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort */
  }
}

// ---- load -------------------------------------------------------------------------------------------

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Read and check `model.json` and its weight shards; every error names the file at fault. */
export async function readModelArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  const dir = path.dirname(modelJsonPath);
  let text: string;
  try {
    text = await fs.readFile(modelJsonPath, 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT', 'ENOTDIR')) {
      const leftover = await findInterruptedSave(dir);
      const hint = leftover ? ` (an interrupted save left a complete copy in ${leftover})` : '';
      throw new ModelFileError(`Model file not found: ${modelJsonPath}${hint}`, modelJsonPath, { cause: err });
    }
    throw new ModelFileError(`Cannot read model file ${modelJsonPath}: ${(err as Error).message}`, modelJsonPath, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(`Corrupt model file ${modelJsonPath}: ${(err as Error).message}`, modelJsonPath, { cause: err });
  }
  if (!isRecord(json) || !isRecord(json.modelTopology)) {
    throw new ModelFileError(`Corrupt model file ${modelJsonPath}: no "modelTopology" object, so not a TF.js model.json`, modelJsonPath);
  }
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest) || !manifest.every((g) => isRecord(g) && Array.isArray(g.paths) && Array.isArray(g.weights))) {
    throw new ModelFileError(`Corrupt model file ${modelJsonPath}: "weightsManifest" must be a list of {paths, weights}`, modelJsonPath);
  }
  const modelJSON = { ...json, weightsManifest: manifest } as unknown as tf.io.ModelJSON;
  return tf.io.getModelArtifactsForJSON(modelJSON, async (groups) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of groups) {
      let groupBytes = 0;
      const files: string[] = [];
      for (const rel of group.paths) {
        const file = path.resolve(dir, rel);
        if (path.relative(dir, file).startsWith('..')) {
          throw new ModelFileError(`Corrupt model file ${modelJsonPath}: weight path "${rel}" points outside the model directory`, modelJsonPath);
        }
        let buf: Buffer;
        try {
          buf = await fs.readFile(file);
        } catch (err) {
          throw new ModelFileError(`Weight file ${isCode(err, 'ENOENT') ? 'not found' : 'unreadable'}: ${file} (listed in ${modelJsonPath})`, file, { cause: err });
        }
        files.push(file);
        groupBytes += buf.byteLength;
        buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
      }
      const expected = expectedBytes(group.weights);
      if (expected !== null && expected !== groupBytes) {
        const where = files.length === 1 ? files[0]! : files.join(', ');
        throw new ModelFileError(`Corrupt weight file ${where}: ${groupBytes} bytes, but ${modelJsonPath} declares ${expected}`, files[0] ?? modelJsonPath);
      }
      specs.push(...group.weights);
    }
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  });
}

/** Bytes the manifest implies for a weight group; null when it cannot tell (string tensors). */
function expectedBytes(weights: tf.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const w of weights) {
    const per = BYTES[w.quantization?.dtype ?? w.dtype];
    if (per === undefined) return null;
    total += w.shape.reduce((a, b) => a * b, 1) * per;
  }
  return total;
}

async function findInterruptedSave(dir: string): Promise<string | null> {
  const prefix = `.${path.basename(dir)}.old-`;
  try {
    for (const name of await fs.readdir(path.dirname(dir))) {
      const candidate = path.join(path.dirname(dir), name);
      if (name.startsWith(prefix) && (await exists(path.join(candidate, MODEL_JSON)))) return candidate;
    }
  } catch {
    /* parent missing too */
  }
  return null;
}

/** The artifacts of a model directory or http(s) model.json URL. */
export async function loadModelArtifacts(source: ModelSource, options: LoadModelOptions = {}): Promise<tf.io.ModelArtifacts> {
  if (isHttpSource(source)) {
    let url = String(source);
    if (url.endsWith('/')) url += MODEL_JSON;
    const base = options.fetchFunc ?? ((input: string | URL | Request, init?: RequestInit) => fetch(input, init));
    // TF.js reads the body of a failed weight request as weights ("should have 3072 values but has 0").
    const checked = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const res = await base(input, init);
      if (!res.ok) throw new ModelFileError(`Cannot fetch ${String(input)}: HTTP ${res.status}`, String(input));
      return res;
    };
    const artifacts = await tf.io.http(url, { requestInit: options.requestInit, fetchFunc: checked as typeof fetch }).load!();
    const expected = artifacts.weightSpecs ? expectedBytes(artifacts.weightSpecs) : null;
    const got = artifacts.weightData === undefined ? 0 : tf.io.CompositeArrayBuffer.join(artifacts.weightData).byteLength;
    if (expected !== null && expected !== got) throw new ModelFileError(`Corrupt weights for ${url}: ${got} bytes, but model.json declares ${expected}`, url);
    return artifacts;
  }
  return readModelArtifacts(resolveModelPath(source).modelJson);
}

function isGraphTopology(artifacts: tf.io.ModelArtifacts): boolean {
  if (artifacts.format === 'graph-model') return true;
  if (artifacts.format === 'layers-model') return false;
  return isRecord(artifacts.modelTopology) && Array.isArray(artifacts.modelTopology.node);
}

const fromArtifacts = (artifacts: tf.io.ModelArtifacts): tf.io.IOHandler => ({ load: async () => artifacts });

/** Load a model directory or URL, whichever kind it holds. */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const artifacts = await loadModelArtifacts(source, options);
  return isGraphTopology(artifacts)
    ? { type: 'graph', model: await tf.loadGraphModel(fromArtifacts(artifacts)) }
    : { type: 'layers', model: await tf.loadLayersModel(fromArtifacts(artifacts)) };
}

/** Load a Layers model (`model.json` + shards) from a directory, file:// or http(s) URL. */
export async function loadLayersModel(source: ModelSource, options: LoadModelOptions = {}): Promise<tf.LayersModel> {
  const loaded = await loadModel(source, options);
  if (loaded.type !== 'layers') {
    loaded.model.dispose();
    throw new ModelFileError(`${String(source)} holds a graph model; load it with loadGraphModel`, String(source));
  }
  return loaded.model;
}

/** Load a Graph model (converted SavedModel / frozen graph) from a directory, file:// or http(s) URL. */
export async function loadGraphModel(source: ModelSource, options: LoadModelOptions = {}): Promise<tf.GraphModel> {
  const loaded = await loadModel(source, options);
  if (loaded.type !== 'graph') {
    loaded.model.dispose();
    throw new ModelFileError(`${String(source)} holds a layers model; load it with loadLayersModel`, String(source));
  }
  return loaded.model;
}

/** Save atomically into `dir` (replacing what is there), with optional files beside model.json. */
export async function saveModel(model: tf.LayersModel | tf.GraphModel, dir: string, options: SaveFilesOptions = {}): Promise<tf.io.SaveResult> {
  return model.save(fileSystem(dir, options));
}

// ---- file:// routers --------------------------------------------------------------------------------

const PROBE_URL = 'file:///lsml-probe/model.json';
let routersRegistered = false;
let routersEnabled = true;

/**
 * Make `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')` work as with
 * tfjs-node. Stays out of the way when file:// is handled by someone else (tfjs-node registers its own
 * on import, and TF.js refuses two handlers for one URL); call again after loading such a package.
 */
export function registerFileSystemRouters(): void {
  if (routersRegistered) {
    routersEnabled = false;
    routersEnabled = tf.io.getSaveHandlers(PROBE_URL).length === 0;
    return;
  }
  if (tf.io.getSaveHandlers(PROBE_URL).length > 0 || tf.io.getLoadHandlers(PROBE_URL).length > 0) return;
  routersRegistered = true;
  const router = (url: string | string[]) =>
    routersEnabled && typeof url === 'string' && url.startsWith('file://') ? fileSystem(url) : (null as unknown as tf.io.IOHandler);
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
}

// ---- helpers ----------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: string }).code ?? '');
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
