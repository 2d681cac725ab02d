// The half of the contract written once in core, per family of Label Studio controls: read the label
// config, turn tasks into runtime inputs, turn normalised outputs into regions.
import type { Logger } from 'pino';
import type { LabelInterface } from '../label-config/label-interface.js';
import type { Annotation, InteractiveContext, PredictionValue, Task } from '../protocol/types.js';
import type { InputKind, InputOf } from './inputs.js';
import type { OutputKind, OutputOf } from './outputs.js';
import type { RuntimeInfo } from './runtime.js';

/** What a head reads when it binds to a project. */
export interface HeadBinding {
  /** The project's label config; `undefined` when Label Studio sent none. */
  readonly labelInterface: LabelInterface | undefined;
  /** What the runtime's `load()` reported (labels, image size, zero-shot). */
  readonly runtime: RuntimeInfo & {
    readonly provider: string;
    readonly modelId: string;
    /** The runtime's input kind: a head that reads several object types (Text or Image) follows it. */
    readonly input: InputKind;
  };
  readonly logger: Logger;
}

/** Per-request context for `toInput` / `toPrediction`. */
export interface HeadRequest {
  /** Interactive context (§5.5), or null for batch prediction. */
  readonly context: InteractiveContext | null | Record<string, never>;
  /** The project's `extra_params`. */
  readonly extraParams: Readonly<Record<string, unknown>>;
  /** Aborted when the client goes away or the request times out. */
  readonly signal?: AbortSignal;
  /** The request's logger. */
  readonly logger: Logger;
}

/**
 * A head bound to one label config. `toInput` throws `TaskInputError` for a task it cannot read (the
 * backend warns and skips that task); `toPrediction` returns the task's prediction(s), or `null` for
 * none.
 */
export interface BoundHead<K extends InputKind, O extends OutputKind> {
  /** The control this head writes (`from_name`). */
  readonly fromName: string;
  /** The object it reads (`to_name`). */
  readonly toName: string;
  /** The `task.data` key it reads the input from (`$text` → `text`); named in per-task warnings. */
  readonly field?: string;
  /** The runtime input for one task; throws `TaskInputError` when the task's field is missing or of the wrong type. */
  toInput(task: Task, request: HeadRequest): Promise<InputOf<K>> | InputOf<K>;
  /** The Label Studio region(s) for one task from the runtime's output for it; `null` for no prediction. */
  toPrediction(output: OutputOf<O>, input: InputOf<K>, task: Task, request: HeadRequest): PredictionValue | PredictionValue[] | null;
  /** For trainable runtimes: the labels an annotation chose for this control, or null if none. */
  labelsOf?(annotation: Annotation): string[] | null;
  /** The labels of this control in the config (what a trainable runtime should learn). */
  readonly labels?: readonly string[];
}

/**
 * A family of Label Studio controls (Choices, Labels spans, TextArea, RectangleLabels, …) that works
 * with every runtime whose output kind it accepts.
 *
 * ```ts
 * export default backend({ runtime: onnxRuntime({ ... }), head: choicesHead() });
 * ```
 */
export interface TaskHead<K extends InputKind = InputKind, O extends OutputKind = OutputKind> {
  /** `'choices'`, `'spans'`, `'textarea'`, `'rectangles'`, … */
  readonly name: string;
  /**
   * The input kind it produces. A head that serves several kinds (`choicesHead`: Text or Image) has
   * the union type, names its default here, and follows `HeadBinding.runtime.input` when it binds.
   */
  readonly input: K;
  readonly output: O;
  /** Read the label config; throws `LabelConfigMismatchError` (422) naming the control it needs. */
  bind(binding: HeadBinding): BoundHead<K, O>;
}
