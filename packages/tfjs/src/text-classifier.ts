// A text classifier that trains in Node on every backend: hashed n-gram features → dense softmax
// (optionally one hidden layer), with temperature-scaled scores fitted on the validation split.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isHttpSource, loadLayersModel, MODEL_JSON, ModelFileError, resolveModelPath, saveModel, type LoadModelOptions, type ModelSource } from './file-io.js';
import { initTfjs } from './runtime.js';
import { HashedNgramVectorizer, VECTORIZER_FILE, type TextVectorizerConfig } from './text-vectorizer.js';
import { splitTrainValidation, trainModel, type TrainMetrics, type TrainOptions } from './train.js';

/** A labelled text to train on. */
export interface TextExample {
  text: string;
  label: string;
}

/** Options of a new {@link TextClassifier}: its labels, vectoriser and network size. */
export interface TextClassifierOptions {
  /** Output classes, in a fixed order (the Choices of the label config). */
  labels: readonly string[];
  vectorizer?: HashedNgramVectorizer | Partial<TextVectorizerConfig>;
  /** 0 (default) is multinomial logistic regression; > 0 adds a relu layer of that size. */
  hiddenUnits?: number;
  /** Adam learning rate (default 0.05: inputs are unit-length sparse vectors). */
  learningRate?: number;
  /** L2 penalty on the weights (default 1e-5); keeps scores from saturating on small data sets. */
  l2?: number;
  /** Seed of the weight initialiser (default 1), for reproducible runs. */
  seed?: number;
}

/** One label of a prediction with its probability. */
export interface ClassPrediction {
  label: string;
  /** Calibrated probability of `label`. */
  score: number;
  /** Calibrated probability of every label. */
  scores: Record<string, number>;
}

/** `trainModel` options (epochs default 50 here; early stopping usually ends training sooner). */
export interface ClassifierTrainOptions extends Omit<TrainOptions, 'validationData'> {
  /** Fit a softmax temperature on the validation split (default true; needs >= 20 held-out examples). */
  calibrate?: boolean;
}

export interface ClassifierTrainResult extends TrainMetrics {
  labels: string[];
  /** Softmax temperature applied to scores (1 = uncalibrated). */
  temperature: number;
  /** Examples whose label is not one of `labels`. */
  skippedExamples: number;
}

/** What model.json's `userDefinedMetadata.lsml` holds for a saved classifier. */
interface ClassifierMetadata {
  kind: 'text-classifier';
  formatVersion: 1;
  labels: string[];
  temperature: number;
}

/** Rows per predict call: bounds memory (rows × dims floats) while keeping calls few. */
const MAX_BATCH = 1024;
const MIN_CALIBRATION_EXAMPLES = 20;

/**
 * A trainable text classifier: hashed n-gram features into a small dense network; `train`, `predict`,
 * `save` and `load` (to and from a folder).
 */
export class TextClassifier {
  private optimizer: tf.Optimizer | null = null;

  private constructor(
    readonly model: tf.LayersModel,
    readonly vectorizer: HashedNgramVectorizer,
    readonly labels: readonly string[],
    /** Softmax temperature: scores are softmax(log p / T). */
    public temperature: number,
    private readonly options: Pick<TextClassifierOptions, 'learningRate'> = {},
  ) {}

  /** A new, untrained classifier (initialises the TF.js runtime if nobody has). */
  static async create(options: TextClassifierOptions): Promise<TextClassifier> {
    await initTfjs();
    const labels = [...options.labels];
    if (labels.length < 1 || new Set(labels).size !== labels.length) throw new Error(`labels must be distinct and non-empty, got ${JSON.stringify(labels)}`);
    const vectorizer = options.vectorizer instanceof HashedNgramVectorizer ? options.vectorizer : new HashedNgramVectorizer(options.vectorizer);
    const seed = options.seed ?? 1;
    const l2 = options.l2 ?? 1e-5;
    const regularizer = l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined;
    const hidden = options.hiddenUnits ?? 0;
    const model = tf.sequential();
    if (hidden > 0) {
      model.add(tf.layers.dense({ inputShape: [vectorizer.dims], units: hidden, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }), kernelRegularizer: regularizer }));
    }
    model.add(
      tf.layers.dense({
        ...(hidden > 0 ? {} : { inputShape: [vectorizer.dims] }),
        units: labels.length,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
        kernelRegularizer: regularizer,
      }),
    );
    return new TextClassifier(model, vectorizer, labels, 1, options);
  }

  /** Load from a directory (model.json, weights.bin, vectorizer.json) or an http(s) URL of model.json. */
  static async load(source: ModelSource, options: LoadModelOptions = {}): Promise<TextClassifier> {
    await initTfjs();
    const model = await loadLayersModel(source, options); // model.json first: its error is the useful one
    try {
      const vectorizerJson = await readVectorizerJson(source, options);
      const where = isHttpSource(source) ? String(source) : resolveModelPath(source).modelJson;
      const meta = (model.getUserDefinedMetadata() as { lsml?: Partial<ClassifierMetadata> } | undefined)?.lsml;
      if (meta?.kind !== 'text-classifier' || !Array.isArray(meta.labels)) {
        throw new ModelFileError(`${where} is not a text classifier (no userDefinedMetadata.lsml.labels)`, where);
      }
      const vectorizer = HashedNgramVectorizer.fromJSON(vectorizerJson.json, vectorizerJson.file);
      const inputDims = model.inputs[0]?.shape[1];
      if (inputDims !== vectorizer.dims) throw new ModelFileError(`${vectorizerJson.file}: dims ${vectorizer.dims} do not match the model input (${inputDims})`, vectorizerJson.file);
      return new TextClassifier(model, vectorizer, meta.labels, typeof meta.temperature === 'number' ? meta.temperature : 1);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  /** Classify every text; one predict call per 1,024 texts (per-text calls are several times slower). */
  async predict(texts: readonly string[]): Promise<ClassPrediction[]> {
    // Run every chunk before the first await: the weights are then no longer needed, so a training
    // job may swap in a new model and dispose this one while the results download.
    const chunks: tf.Tensor[] = [];
    for (let start = 0; start < texts.length; start += MAX_BATCH) {
      const chunk = texts.slice(start, start + MAX_BATCH);
      chunks.push(this.probabilities(this.vectorizer.transform(chunk), chunk.length));
    }
    const k = this.labels.length;
    const out: ClassPrediction[] = [];
    try {
      for (const probs of chunks) {
        const data = await probs.data();
        for (let i = 0; i < data.length / k; i++) {
          let best = 0;
          const scores: Record<string, number> = {};
          for (let j = 0; j < k; j++) {
            scores[this.labels[j]!] = data[i * k + j]!;
            if (data[i * k + j]! > data[i * k + best]!) best = j;
          }
          out.push({ label: this.labels[best]!, score: data[i * k + best]!, scores });
        }
      }
    } finally {
      tf.dispose(chunks);
    }
    return out;
  }

  private probabilities(values: Float32Array, rows: number): tf.Tensor {
    return tf.tidy(() => {
      const x = tf.tensor2d(values, [rows, this.vectorizer.dims]);
      // batchSize defaults to 32, which splits the batch and is ~20× slower on wasm.
      const p = this.model.predict(x, { batchSize: Math.max(rows, 1) }) as tf.Tensor;
      return this.temperature === 1 ? p : tf.softmax(tf.div(tf.log(tf.maximum(p, 1e-7)), this.temperature));
    });
  }

  /** Train in place on labelled texts; examples with unknown labels are skipped and counted. */
  async train(examples: readonly TextExample[], options: ClassifierTrainOptions = {}): Promise<ClassifierTrainResult> {
    const index = new Map(this.labels.map((l, i) => [l, i]));
    const usable = examples.filter((e) => index.has(e.label));
    if (usable.length === 0) throw new Error(`No training examples with one of the labels ${JSON.stringify(this.labels)}`);
    if (!this.optimizer) {
      this.optimizer = tf.train.adam(this.options.learningRate ?? 0.05);
      this.model.compile({ optimizer: this.optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    }
    const x = tf.tensor2d(this.vectorizer.transform(usable.map((e) => e.text)), [usable.length, this.vectorizer.dims]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(usable.map((e) => index.get(e.label)!), 'int32'), this.labels.length).toFloat());
    const { train, validation } = splitTrainValidation(x, y, options.validationSplit ?? 0.2, options.seed);
    tf.dispose([x, y]);
    try {
      const metrics = await trainModel(this.model, train[0], train[1], { epochs: 50, ...options, validationSplit: 0, validationData: validation ?? undefined });
      this.temperature = 1;
      if ((options.calibrate ?? true) && validation && (validation[0].shape[0] ?? 0) >= MIN_CALIBRATION_EXAMPLES) {
        const probs = this.model.predict(validation[0], { batchSize: validation[0].shape[0] }) as tf.Tensor;
        const targets = tf.tidy(() => tf.argMax(validation[1], 1));
        try {
          this.temperature = fitTemperature((await probs.data()) as Float32Array, (await targets.data()) as Int32Array, this.labels.length);
        } finally {
          tf.dispose([probs, targets]);
        }
      }
      return { ...metrics, labels: [...this.labels], temperature: this.temperature, skippedExamples: examples.length - usable.length };
    } finally {
      tf.dispose(train);
      if (validation) tf.dispose(validation);
    }
  }

  /** Save atomically: model.json + weights.bin + vectorizer.json, replacing what `dir` held. */
  async save(dir: string): Promise<void> {
    const meta: ClassifierMetadata = { kind: 'text-classifier', formatVersion: 1, labels: [...this.labels], temperature: this.temperature };
    this.model.setUserDefinedMetadata({ lsml: meta as unknown as Record<string, never> });
    await saveModel(this.model, dir, { extraFiles: { [VECTORIZER_FILE]: JSON.stringify(this.vectorizer.toJSON(), null, 2) } });
  }

  /** Free the weights (and optimizer state); the instance is unusable afterwards. */
  dispose(): void {
    this.model.dispose();
    this.optimizer?.dispose();
    this.optimizer = null;
  }
}

async function readVectorizerJson(source: ModelSource, options: LoadModelOptions): Promise<{ json: unknown; file: string }> {
  if (isHttpSource(source)) {
    const base = String(source).endsWith('/') ? `${String(source)}${MODEL_JSON}` : String(source);
    const url = new URL(VECTORIZER_FILE, base).href;
    const res = await (options.fetchFunc ?? fetch)(url, options.requestInit);
    if (!res.ok) throw new ModelFileError(`Vectorizer file ${url}: HTTP ${res.status}`, url);
    try {
      return { json: await res.json(), file: url };
    } catch (err) {
      throw new ModelFileError(`Corrupt vectorizer file ${url}: ${(err as Error).message}`, url, { cause: err });
    }
  }
  const file = path.join(resolveModelPath(source).dir, VECTORIZER_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ModelFileError(`Vectorizer file not found: ${file}`, file, { cause: err });
  }
  try {
    return { json: JSON.parse(text), file };
  } catch (err) {
    throw new ModelFileError(`Corrupt vectorizer file ${file}: ${(err as Error).message}`, file, { cause: err });
  }
}

/**
 * Temperature scaling (Guo et al. 2017): the T in [0.5, 4] minimising the validation negative
 * log-likelihood of softmax(log p / T). One parameter, so it cannot change which label wins. The
 * lower bound stops a small, perfectly separated validation set from pushing every score to 1.
 */
export function fitTemperature(probs: Float32Array, targets: Int32Array, k: number): number {
  const n = targets.length;
  if (n === 0) return 1;
  const logp = Float64Array.from(probs, (p) => Math.log(Math.max(p, 1e-7)));
  const nll = (t: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j < k; j++) max = Math.max(max, logp[i * k + j]! / t);
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(logp[i * k + j]! / t - max);
      total -= logp[i * k + targets[i]!]! / t - max - Math.log(sum);
    }
    return total / n;
  };
  // Golden-section search on ln T: NLL is unimodal in T for a fixed set of log-probabilities.
  let lo = Math.log(0.5);
  let hi = Math.log(4);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = nll(Math.exp(a));
  let fb = nll(Math.exp(b));
  for (let i = 0; i < 40; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = nll(Math.exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = nll(Math.exp(b));
    }
  }
  const t = Math.exp((lo + hi) / 2);
  // Keep T = 1 unless scaling clearly helps: avoids churn from noise on small validation sets.
  return nll(t) < nll(1) - 1e-4 ? t : 1;
}
