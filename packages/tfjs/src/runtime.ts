// tfjsRuntime(settings): the @lsml/tfjs half of the adapter contract — a trainable text classifier
// (hashed n-grams → logistic regression, calibrated) whose work runs in worker threads and whose
// versions are TF.js Layers models on disk.
import { sharedPools } from './shared-pools.js';
import { type ClassesOutput, type LoadOptions, type RunOptions, type RuntimeInfo, type RuntimeTrainOptions, type TextInput, type ThreadPool, type TrainableRuntime, type TrainingExample } from '@lsml/core';
import path from 'node:path';
import { TfjsError } from './errors.js';
import { initTfjs } from './platform.js';
import type { TfjsImageFamily } from './image-models.js';
import { tfjsImageRuntime, type TfjsImageRuntime, type TfjsImageRuntimeSettings } from './image-runtime.js';
import { TFJS_RUNTIME_DEFAULTS, type TfjsRuntimeSettings } from './settings.js';
import { loadTextModel, saveTextModel, sharedTextModel } from './text-model-files.js';
import { classifyTexts, trainTextModel, type TextModel, type TextTrainConfig, type TextTrainMetrics } from './text-model.js';
import { DEFAULT_VECTORIZER_CONFIG, HashedNgramVectorizer, type TextVectorizerConfig } from './text-vectorizer.js';
import type { PredictTask, SaveTask, TrainTask } from './text-worker.js';

/** The runtime `tfjsRuntime` returns: text in, class scores out, trainable. */
export type TfjsTextRuntime = TrainableRuntime<'text', 'classes'>;

/** What `train` returns (core stores it as the job's `train_output`). */
export interface TfjsTrainOutput extends TextTrainMetrics {
  /** Examples trained on. */
  readonly examples: number;
  /** Examples left out: no label of `labels`, or no text. */
  readonly skippedExamples: number;
  /** The classes learned, in output order. */
  readonly labels: readonly string[];
  /** `worker` or `event-loop`: where the fit ran. */
  readonly ranOn: 'worker' | 'event-loop';
}

/**
 * A TF.js graph model over images, decoded by its family: `centernet` → boxes, `movenet` → keypoints,
 * `selfie` → masks (see `TfjsImageRuntimeSettings`; inference runs in worker threads).
 *
 * ```ts
 * export default backend({ runtime: tfjsRuntime({ family: 'centernet', model: './centernet.json' }), head: rectanglesHead() });
 * ```
 */
export function tfjsRuntime<F extends TfjsImageFamily>(settings: TfjsImageRuntimeSettings<F>): TfjsImageRuntime<F>;
/**
 * A trainable TF.js text classifier for the adapter contract: `TextInput` → `ClassesOutput` (one
 * calibrated probability per class). Vectorising, scoring and training run in worker threads (core's
 * `createThreadPool`), so a 20,000-task prediction or a retraining never blocks `/health`.
 *
 * ```ts
 * import { backend, choicesHead } from '@lsml/core';
 * import { tfjsRuntime } from '@lsml/tfjs';
 *
 * export default backend({
 *   runtime: () => tfjsRuntime({ vectorizer: { ngramRange: [1, 1] } }), // one classifier per project
 *   head: choicesHead(),
 *   training: { trainEvery: 10 },
 * });
 * ```
 */
export function tfjsRuntime(settings?: TfjsRuntimeSettings): TfjsTextRuntime;
export function tfjsRuntime(settings: TfjsRuntimeSettings | TfjsImageRuntimeSettings = {}): unknown {
  if ('family' in settings) return tfjsImageRuntime(settings);
  return new TextClassifierRuntime(settings);
}

class TextClassifierRuntime implements TfjsTextRuntime {
  readonly provider = 'tfjs';
  readonly input = 'text' as const;
  readonly output = 'classes' as const;
  readonly modelId: string;
  readonly capabilities: TfjsTextRuntime['capabilities'];

  private model: TextModel | null = null;
  private loading: Promise<RuntimeInfo> | null = null;
  private pool: ThreadPool | null = null;
  private readonly vectorizer: TextVectorizerConfig;
  private readonly train_: TextTrainConfig;
  private readonly chunkSize: number;
  private readonly threads: number | undefined;

  constructor(private readonly settings: TfjsRuntimeSettings) {
    const positive = (name: string, v: number | undefined, integer = false) => {
      if (v !== undefined && (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))) {
        throw new TfjsError('invalid_settings', `tfjsRuntime: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`);
      }
    };
    positive('c', settings.c);
    positive('maxIterations', settings.maxIterations, true);
    positive('chunkSize', settings.chunkSize, true);
    if (settings.threads !== undefined && (!Number.isInteger(settings.threads) || settings.threads < 0)) {
      throw new TfjsError('invalid_settings', `tfjsRuntime: threads must be a whole number (0 = event loop), got ${String(settings.threads)}`);
    }
    const split = settings.validationSplit;
    if (split !== undefined && !(split >= 0 && split < 1)) throw new TfjsError('invalid_settings', `tfjsRuntime: validationSplit must be in [0, 1), got ${split}`);
    if (settings.labels && (settings.labels.length < 2 || new Set(settings.labels).size !== settings.labels.length)) {
      throw new TfjsError('invalid_settings', `tfjsRuntime: labels must be at least two distinct names, got ${JSON.stringify(settings.labels)}`);
    }
    try {
      this.vectorizer = { ...new HashedNgramVectorizer({ ...DEFAULT_VECTORIZER_CONFIG, ...TFJS_RUNTIME_DEFAULTS.vectorizer, ...settings.vectorizer }).config } as TextVectorizerConfig;
    } catch (err) {
      throw new TfjsError('invalid_settings', `tfjsRuntime: vectorizer: ${(err as Error).message}`, { cause: err });
    }
    this.train_ = {
      c: settings.c ?? TFJS_RUNTIME_DEFAULTS.c,
      maxIterations: settings.maxIterations ?? TFJS_RUNTIME_DEFAULTS.maxIterations,
      calibrate: settings.calibrate ?? TFJS_RUNTIME_DEFAULTS.calibrate,
      validationSplit: split ?? TFJS_RUNTIME_DEFAULTS.validationSplit,
      seed: settings.seed ?? TFJS_RUNTIME_DEFAULTS.seed,
    };
    this.chunkSize = settings.chunkSize ?? TFJS_RUNTIME_DEFAULTS.chunkSize;
    this.threads = settings.threads;
    this.modelId = settings.modelId ?? (settings.model !== undefined ? modelName(settings.model) : TFJS_RUNTIME_DEFAULTS.modelId);
    this.capabilities = { batching: false, shared: false, threads: settings.threads === 0 ? 'event-loop' : 'worker', trainable: true };
  }

  load(options: LoadOptions = {}): Promise<RuntimeInfo> {
    this.loading ??= this.doLoad(options).catch((err: unknown) => {
      this.loading = null; // a failed load may be retried
      throw err;
    });
    return this.loading;
  }

  private async doLoad(options: LoadOptions): Promise<RuntimeInfo> {
    // The TF.js platform writes model files; choosing it here surfaces a missing backend at /setup.
    await initTfjs({ backend: this.settings.backend, logger: options.logger });
    if (!this.model && this.settings.model !== undefined) {
      this.model = sharedTextModel(await loadTextModel(this.settings.model, this.settings.modelRequest));
      options.logger?.info({ model: String(this.settings.model), labels: this.model.labels }, 'Loaded TF.js text classifier');
    }
    this.threadPool();
    return this.info();
  }

  /** The shared worker pool (taken on first use), or null with `threads: 0` (everything on the event loop). */
  private threadPool(): ThreadPool | null {
    if (this.threads !== 0) this.pool ??= acquirePool(this.threads);
    return this.pool;
  }

  private info(): RuntimeInfo {
    const labels = this.model?.labels ?? this.settings.labels;
    return { ...(labels ? { labels: [...labels] } : {}), ...(this.model ? {} : { untrained: true }) };
  }

  async run(inputs: readonly TextInput[], options: RunOptions = {}): Promise<ClassesOutput[]> {
    options.signal?.throwIfAborted();
    if (inputs.length === 0) return [];
    const model = this.model; // in-flight calls keep the version they started with
    if (!model) throw new TfjsError('not_loaded', 'The TF.js text classifier has no model yet: train it on annotations, restore a saved version, or pass settings.model');
    const texts = inputs.map((input, i) => {
      if (input?.kind !== 'text' || typeof input.text !== 'string') throw new TfjsError('invalid_input', `inputs[${i}] is not a text input ({ kind: 'text', text: string })`);
      return input.text;
    });
    const k = model.labels.length;
    const chunks: Array<readonly string[]> = [];
    for (let start = 0; start < texts.length; start += this.chunkSize) chunks.push(texts.slice(start, start + this.chunkSize));
    let probabilities: Float32Array[];
    const pool = this.pool;
    if (pool) {
      // A window of two chunks per thread rather than all at once: a training job queued meanwhile
      // gets a thread between chunks instead of waiting for a whole 20,000-task request, and an abort
      // stops submitting (one abort listener per call, not one per chunk).
      const signal = options.signal;
      probabilities = new Array<Float32Array>(chunks.length);
      let next = 0;
      const lane = async () => {
        while (next < chunks.length) {
          signal?.throwIfAborted();
          const i = next++;
          probabilities[i] = await this.onWorker<Float32Array>(pool, 'predict', { model, texts: chunks[i]! } satisfies PredictTask, undefined);
        }
      };
      await abortable(Promise.all(Array.from({ length: Math.min(chunks.length, pool.threads * 2) }, lane)), signal);
    } else {
      probabilities = [];
      for (const chunk of chunks) {
        // One slice at a time, yielding in between, so other requests are served meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
        options.signal?.throwIfAborted();
        probabilities.push(classifyTexts(model, chunk));
      }
    }
    const out: ClassesOutput[] = [];
    for (const probs of probabilities) {
      for (let i = 0; i < probs.length / k; i++) out.push({ kind: 'classes', classes: model.labels.map((label, j) => ({ label, score: probs[i * k + j]! })) });
    }
    return out;
  }

  async train(examples: readonly TrainingExample<'text'>[], options: RuntimeTrainOptions = {}): Promise<Record<string, unknown>> {
    options.signal?.throwIfAborted();
    const labels = [...(options.labels ?? this.settings.labels ?? [...new Set(examples.flatMap((e) => e.labels.slice(0, 1)))].sort())];
    if (new Set(labels).size !== labels.length) throw new TfjsError('invalid_input', `labels must be distinct, got ${JSON.stringify(labels)}`);
    const index = new Map(labels.map((l, i) => [l, i]));
    const texts: string[] = [];
    const targets: number[] = [];
    for (const example of examples) {
      // One class per text: the first of the example's labels that this classifier knows.
      const target = example.labels.map((l) => index.get(l)).find((i) => i !== undefined);
      if (target === undefined || example.input?.kind !== 'text' || typeof example.input.text !== 'string') continue;
      texts.push(example.input.text);
      targets.push(target);
    }
    if (new Set(targets).size < 2) {
      throw new TfjsError('invalid_input', `Need annotations with at least two different labels to train (have ${texts.length} usable examples of ${examples.length})`);
    }
    await options.onProgress?.(0, `training on ${texts.length} examples`);
    const warm = (this.settings.warmStart ?? TFJS_RUNTIME_DEFAULTS.warmStart) ? this.model : null;
    const task: TrainTask = { texts, targets: Int32Array.from(targets), labels, vectorizer: this.vectorizer, config: this.train_, previous: warm };
    const pool = this.threadPool();
    let result: { model: TextModel; metrics: TextTrainMetrics };
    if (pool) {
      result = await this.onWorker(pool, 'train', task, options.signal);
    } else {
      await new Promise((resolve) => setImmediate(resolve));
      result = trainTextModel(task.texts, task.targets, task.labels, task.vectorizer, task.config, task.previous, options.signal);
    }
    this.model = sharedTextModel(result.model);
    await options.onProgress?.(100, `trained: ${result.metrics.iterations} L-BFGS iterations, ${result.metrics.durationMs} ms`);
    const output: TfjsTrainOutput = {
      examples: texts.length,
      skippedExamples: examples.length - texts.length,
      labels,
      ranOn: pool ? 'worker' : 'event-loop',
      ...result.metrics,
    };
    return { ...output };
  }

  async save(dir: string): Promise<void> {
    const model = this.model;
    if (!model) throw new TfjsError('not_loaded', 'Nothing to save: the TF.js text classifier has not been trained or restored');
    const pool = this.threadPool();
    if (pool) {
      await this.onWorker<true>(pool, 'save', { model, dir } satisfies SaveTask, undefined);
      return;
    }
    await initTfjs({ backend: this.settings.backend });
    await saveTextModel(model, dir);
  }

  async restore(dir: string): Promise<void> {
    this.model = sharedTextModel(await loadTextModel(dir));
  }

  async dispose(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.loading = null;
    // A model passed in settings is reloaded by the next load(); a trained one is gone (restore it).
    this.model = null;
    if (pool) await releasePool(this.threads);
  }

  /** Run `name` of text-worker on the pool: aborts reject with the signal's reason, crashes with `worker_failed`. */
  private async onWorker<T>(pool: ThreadPool, name: 'predict' | 'train' | 'save', input: PredictTask | TrainTask | SaveTask, signal: AbortSignal | undefined): Promise<T> {
    try {
      return await pool.run<T>(input, { name, signal });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof TfjsError) throw err;
      throw new TfjsError('worker_failed', `TF.js text classifier worker failed in ${name}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  }
}

/** `work`, or a rejection with the signal's reason as soon as it aborts. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function modelName(source: string | URL): string {
  const p = String(source).replace(/\/+$/, '');
  const base = path.basename(p) === 'model.json' ? path.basename(path.dirname(p)) : path.basename(p);
  return base || TFJS_RUNTIME_DEFAULTS.modelId;
}

// ---- one worker pool per thread count, shared by every runtime of the process -----------------------

// The worker module sits beside this file: text-worker.ts in the sources (tests load it through tsx),
// text-worker.js in dist (both builds: the CJS bundle points at the ESM worker).
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './text-worker.ts' : './text-worker.js', import.meta.url);
// Import the worker module in every thread of a new pool now, not during the first prediction or training.
const pools = sharedPools(WORKER_URL, (pool) => {
  for (let i = 0; i < pool.threads; i++) pool.run(null, { name: 'warm' }).catch(() => undefined);
});
const acquirePool = (threads: number | undefined): ThreadPool => pools.acquire(threads);
const releasePool = (threads: number | undefined): Promise<void> => pools.release(threads);
