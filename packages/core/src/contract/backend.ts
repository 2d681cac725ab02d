// backend({ runtime, head }): the class `lsml start` serves, built from the two halves of the contract.
import type { BackendClass } from '../model/label-studio-ml-base.js';
import type { TrainingPolicy } from '../training/training-context.js';
import type { TaskHead } from './head.js';
import type { InputKind } from './inputs.js';
import type { OutputKind } from './outputs.js';
import type { Runtime } from './runtime.js';

/** Which project an instance serves (for runtimes built per project). */
export interface RuntimeProject {
  readonly projectId: string;
}

/** Options of `backend()`. */
export interface BackendOptions<K extends InputKind, O extends OutputKind> {
  /**
   * The runtime. Pass the object for a shared runtime (one model for all projects); pass a function for
   * a trainable runtime, so that each project trains its own.
   */
  readonly runtime: Runtime<K, O> | ((project: RuntimeProject) => Runtime<K, O>);
  /** The task head: which Label Studio controls the predictions fill. */
  readonly head: TaskHead<K, O>;
  /** Reported as `model_class` by `/health` (default: `${provider}-${head}`). */
  readonly name?: string;
  /** The project's initial `model_version` (default: the runtime's `modelId`). */
  readonly modelVersion?: string;
  /** For trainable runtimes: when annotations schedule training (see `TrainingPolicy`). */
  readonly training?: Partial<TrainingPolicy>;
}

/**
 * Build a backend class from a runtime and a task head:
 *
 * ```ts
 * import { backend, choicesHead } from '@lsml/core';
 * import { onnxRuntime } from '@lsml/onnx';
 *
 * export default backend({
 *   runtime: onnxRuntime({ model: './sentiment.onnx', labels: ['Negative', 'Positive'], featurize }),
 *   head: choicesHead(),
 * });
 * ```
 *
 * The class loads the runtime in `setup()`, binds the head to each project's label config (a config
 * that does not fit answers 422 naming the control), turns tasks into inputs (a task without its field
 * gets no prediction and a warning; the rest of the batch is predicted), runs the runtime with the
 * request's abort signal, and maps outputs to regions. With a trainable runtime it also trains on
 * annotations in the background and serves each trained version.
 */
export declare function backend<K extends InputKind, O extends OutputKind>(options: BackendOptions<K, O>): BackendClass;
