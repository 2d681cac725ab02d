// The half of the contract an adapter implements: load a model, run batches, return normalised outputs.
import type { ImageInputSpec, InputKind, InputOf } from './inputs.js';
import type { OutputKind, OutputOf } from './outputs.js';

/** Where a model comes from: a file or folder path, a `file:` URL, a hub id, or the bytes. */
export type ModelSource = string | URL | Uint8Array;

/** Minimal logger shape a runtime may write to (pino's `Logger` fits). */
export interface RuntimeLogger {
  /** Detail for troubleshooting (fields first, then a message). */
  debug(obj: object, msg?: string): void;
  /** Normal events such as a model loaded. */
  info(obj: object, msg?: string): void;
  /** Something went wrong but the runtime carries on. */
  warn(obj: object, msg?: string): void;
}

/**
 * What a runtime declares about itself instead of every backend re-implementing it:
 * - `batching`: concurrent `run` calls (from several requests and projects) are merged into model
 *   batches of at most `maxBatchSize`, waiting at most `maxDelayMs` for company; `false` when each
 *   call runs on its own.
 * - `shared`: one loaded model serves every project; the backend passes the same runtime object to all
 *   its instances. Trainable runtimes are per project (`shared: false`).
 * - `threads`: where inference runs — `native` (the framework's own threads, e.g. onnxruntime),
 *   `worker` (Node worker threads), `event-loop` (blocks `/health` while it runs).
 */
export interface RuntimeCapabilities {
  readonly batching: false | { readonly maxBatchSize: number; readonly maxDelayMs: number };
  readonly shared: boolean;
  readonly threads: 'native' | 'worker' | 'event-loop';
  readonly trainable: boolean;
}

/** What `load()` found out about the model. */
export interface RuntimeInfo {
  /** The model's class / entity names in output order (classifiers, taggers, detectors). */
  readonly labels?: readonly string[];
  /**
   * The model scores whatever labels it is given (`TextInput.candidateLabels`): zero-shot
   * classification; the head passes the label config's labels.
   */
  readonly candidateLabels?: boolean;
  /** Images: the size and fit the model wants. */
  readonly image?: ImageInputSpec;
  /**
   * A trainable runtime that has no weights yet (nothing trained or restored): the backend answers
   * no predictions (`{"results": []}`) until a trained version is restored.
   */
  readonly untrained?: boolean;
}

/** Options of one `run` call. */
export interface RunOptions {
  /** Aborted when the request times out or the client goes away. */
  readonly signal?: AbortSignal;
  /** Per-request settings (the project's `extra_params`): thresholds, top-k, generation length … */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Options of `load`. */
export interface LoadOptions {
  readonly logger?: RuntimeLogger;
  readonly signal?: AbortSignal;
}

/**
 * A loaded (or lazily loading) model of one framework that turns a batch of inputs into normalised
 * outputs, one per input, in order.
 *
 * ```ts
 * const runtime = onnxRuntime({ model: './sentiment.onnx', labels: ['neg', 'pos'], featurize });
 * await runtime.load();
 * const [out] = await runtime.run([{ kind: 'text', text: 'great film' }]);
 * // out = { kind: 'classes', classes: [{ label: 'neg', score: 0.1 }, { label: 'pos', score: 0.9 }] }
 * ```
 */
export interface Runtime<K extends InputKind = InputKind, O extends OutputKind = OutputKind> {
  /** The adapter: `'onnx'`, `'tfjs'`, `'transformers'`, … */
  readonly provider: string;
  /** The model's identifier (file name, hub id): the default `model_version`. */
  readonly modelId: string;
  /** The input kind it accepts. */
  readonly input: K;
  /** The output kind it returns. */
  readonly output: O;
  readonly capabilities: RuntimeCapabilities;
  /** Load the model (idempotent; concurrent calls share one load). */
  load(options?: LoadOptions): Promise<RuntimeInfo>;
  /** Run a batch; one output per input, in order. Rejects with `signal.reason` once aborted. */
  run(inputs: readonly InputOf<K>[], options?: RunOptions): Promise<OutputOf<O>[]>;
  /** Release sessions, tensors, workers. The runtime may be loaded again afterwards. */
  dispose(): Promise<void>;
}

/** One labelled example for a trainable runtime. */
export interface TrainingExample<K extends InputKind = InputKind> {
  readonly input: InputOf<K>;
  /** The class name(s) the annotation chose. */
  readonly labels: readonly string[];
}

/** Progress and cancellation of `train`. */
export interface RuntimeTrainOptions {
  readonly signal?: AbortSignal;
  /** Called with 0–100 and a short message. */
  readonly onProgress?: (percent: number, message: string) => void | Promise<void>;
  /** Labels to learn (the label config's), so a class with no example yet still exists. */
  readonly labels?: readonly string[];
}

/** A runtime that learns from annotations: train in memory, save to / restore from a folder. */
export interface TrainableRuntime<K extends InputKind = InputKind, O extends OutputKind = OutputKind> extends Runtime<K, O> {
  /** Train on `examples`; afterwards `run` uses the new weights. Returns metrics for `train_output`. */
  train(examples: readonly TrainingExample<K>[], options?: RuntimeTrainOptions): Promise<Record<string, unknown>>;
  /** Write the trained model into `dir` (an empty folder the training job owns). */
  save(dir: string): Promise<void>;
  /** Load a model `save` wrote. */
  restore(dir: string): Promise<void>;
}

/** True when `runtime` implements `train`/`save`/`restore`. */
export function isTrainableRuntime<K extends InputKind, O extends OutputKind>(runtime: Runtime<K, O>): runtime is TrainableRuntime<K, O> {
  const r = runtime as Partial<TrainableRuntime<K, O>>;
  return runtime.capabilities.trainable && typeof r.train === 'function' && typeof r.save === 'function' && typeof r.restore === 'function';
}
