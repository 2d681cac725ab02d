// backend({ runtime, head }): the class `lsml start` serves, built from the two halves of the contract.
import { LsmlError, TaskInputError } from '../errors.js';
import { SLICE_MS, yieldToEventLoop } from '../event-loop.js';
import { LabelStudioMLBase, type BackendClass, type PredictOptions } from '../model/label-studio-ml-base.js';
import { ModelResponse, serializePrediction, type SerializedPrediction } from '../protocol/model-response.js';
import type { Annotation, PredictionValue, Task, WebhookData, WebhookEvent } from '../protocol/types.js';
import type { TrainingContext, TrainingPolicy } from '../training/training-context.js';
import type { BoundHead, HeadRequest, TaskHead } from './head.js';
import type { InputKind, InputOf } from './inputs.js';
import type { OutputKind } from './outputs.js';
import { isTrainableRuntime, type Runtime, type RuntimeInfo, type TrainableRuntime, type TrainingExample } from './runtime.js';

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
 * State key prefix of the annotations a trainable backend records from webhooks: one key per
 * annotated task (`example:<task id>`), upserted on each annotation event, so a webhook costs the same
 * however many annotations the project has, and a crash loses at most the event being written.
 */
export const EXAMPLE_KEY_PREFIX = 'example:';

/** What one `example:<task id>` state key holds (JSON). */
export interface StoredExample {
  /** The task's id and data (what the head reads its input from at training time). */
  readonly task: { readonly id?: number; readonly data?: Record<string, unknown> };
  /** The labels the annotation chose for the head's control. */
  readonly labels: readonly string[];
  /** The annotation they came from (a deletion of that annotation removes the example). */
  readonly annotationId?: number;
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
 *
 * "No prediction" for a task is an empty list at its place in `results` (`[[], {...}]`): `results`
 * keeps one entry per task (a shorter list makes Label Studio store nothing, or re-send the tasks one
 * by one), Label Studio stores no prediction for an empty list (§5.4: an entry may be a list of
 * predictions), so the task is predicted again on a later request, and no validator flags it.
 */
export function backend<K extends InputKind, O extends OutputKind>(options: BackendOptions<K, O>): BackendClass {
  const { head } = options;
  const shared = typeof options.runtime === 'function' ? undefined : options.runtime;
  const factory = typeof options.runtime === 'function' ? options.runtime : undefined;
  const name = options.name ?? (shared ? `${shared.provider}-${head.name}` : `${head.name}-backend`);
  // Per-project runtimes are the trainable ones; a shared one says so itself.
  const mayTrain = shared ? shared.capabilities.trainable : true;

  class RuntimeBackend extends LabelStudioMLBase {
    static override training: TrainingPolicy | undefined = options.training;
    // Label Studio's bulk events (imports, API) carry annotations too.
    static override webhookEvents: readonly string[] | undefined = mayTrain ? ['ANNOTATIONS_CREATED', 'ANNOTATIONS_DELETED'] : undefined;
    /** A shared runtime loads once per process at start: `/ready` answers 503 until it has. */
    static preload: (() => Promise<void>) | undefined = shared
      ? async () => {
          await shared.load();
        }
      : undefined;

    /** The runtime this instance predicts with (shared by all projects, or this project's own). */
    readonly runtime: Runtime<K, O>;
    private info: RuntimeInfo | undefined;
    private bound: BoundHead<K, O> | undefined;
    /** A trainable runtime with no weights yet predicts nothing. */
    private untrained = false;
    private recording: Promise<unknown> = Promise.resolve();

    constructor(init: ConstructorParameters<typeof LabelStudioMLBase>[0]) {
      super(init);
      this.runtime = shared ?? (factory as (project: RuntimeProject) => Runtime<K, O>)({ projectId: this.projectId });
    }

    override async setup(): Promise<void> {
      this.info = await this.runtime.load({ logger: this.logger });
      this.untrained = this.info.untrained === true;
      await this.initModelVersion(options.modelVersion ?? this.runtime.modelId);
      // Bind now when the config is known, so /setup answers 422 for a config the model cannot fill.
      if (this.labelInterface) this.bound = this.bindHead();
    }

    private bindHead(): BoundHead<K, O> {
      const info = this.info ?? {};
      return head.bind({
        labelInterface: this.labelInterface,
        runtime: { ...info, provider: this.runtime.provider, modelId: this.runtime.modelId, input: this.runtime.input },
        logger: this.logger,
      });
    }

    /** The head bound to this instance's label config; throws `LabelConfigMismatchError` (422). */
    get boundHead(): BoundHead<K, O> {
      // Without a label config the head throws a mismatch naming what it needs (422 at /predict).
      this.bound ??= this.bindHead();
      return this.bound;
    }

    override async predict(tasks: Task[], predictOptions: PredictOptions): Promise<ModelResponse> {
      const bound = this.boundHead;
      const version = this.modelVersion;
      if (this.untrained) return new ModelResponse({ model_version: version, predictions: [] });
      const request: HeadRequest = {
        context: predictOptions.context,
        extraParams: this.extraParams,
        ...(predictOptions.signal ? { signal: predictOptions.signal } : {}),
        logger: this.logger,
      };
      // Large batches (20,000 tasks) are walked a few ms at a time, yielding in between, so that the
      // server keeps answering other requests (/health) meanwhile; small ones never yield. Heads that
      // read their input synchronously (text) cost no promise per task: only asynchronous reads
      // (images) are awaited, together.
      const inputs: Array<InputOf<K> | null> = new Array(tasks.length);
      const waiting: number[] = [];
      const reads: Array<Promise<InputOf<K> | null>> = [];
      let slice = performance.now();
      for (let i = 0; i < tasks.length; i++) {
        const r = this.readInput(bound, tasks[i]!, request);
        if (isPromise(r)) {
          // Rejections are collected by Promise.all below; this keeps one from counting as unhandled during a yield.
          r.catch(() => undefined);
          waiting.push(i);
          reads.push(r);
        } else {
          inputs[i] = r;
        }
        if ((i & 15) === 15 && performance.now() - slice > SLICE_MS) {
          await yieldToEventLoop();
          slice = performance.now();
        }
      }
      if (reads.length > 0) (await Promise.all(reads)).forEach((input, k) => (inputs[waiting[k]!] = input));
      const ready: Array<{ input: InputOf<K>; index: number }> = [];
      for (let i = 0; i < inputs.length; i++) if (inputs[i] !== null) ready.push({ input: inputs[i]!, index: i });
      const outputs = ready.length === 0 ? [] : await this.runtime.run(ready.map((r) => r.input), { ...(request.signal ? { signal: request.signal } : {}), params: request.extraParams });
      if (outputs.length !== ready.length) {
        throw new LsmlError('runtime_output', `${this.runtime.provider} runtime returned ${outputs.length} outputs for ${ready.length} inputs`);
      }
      // One entry per task; [] = no prediction for that task (see backend()'s doc comment). Serialised
      // here, in the yielding loop, so that building the response is not one more pass over 20,000.
      const predictions: Array<SerializedPrediction | SerializedPrediction[]> = new Array(tasks.length);
      let next = 0;
      slice = performance.now();
      for (let i = 0; i < ready.length; i++) {
        const { input, index } = ready[i]!;
        for (; next < index; next++) predictions[next] = [];
        next = index + 1;
        const p = bound.toPrediction(outputs[i] as never, input, tasks[index] as Task, request);
        predictions[index] =
          p === null
            ? []
            : Array.isArray(p)
              ? p.length === 1
                ? serializePrediction(p[0] as PredictionValue, index)
                : p.map((q, j) => serializePrediction(q, index, j))
              : serializePrediction(p, index);
        if ((i & 15) === 15 && performance.now() - slice > SLICE_MS) {
          await yieldToEventLoop();
          slice = performance.now();
        }
      }
      for (; next < tasks.length; next++) predictions[next] = [];
      return ModelResponse.fromSerialized(version, predictions);
    }

    /**
     * The task's input, or null (with a warning) when that one task cannot be read; a promise of that
     * when the head reads asynchronously.
     */
    private readInput(bound: BoundHead<K, O>, task: Task, request: HeadRequest): InputOf<K> | null | Promise<InputOf<K> | null> {
      let read: Promise<InputOf<K>> | InputOf<K>;
      try {
        read = bound.toInput(task, request);
      } catch (err) {
        return this.inputFailed(err, bound, task, request);
      }
      return isPromise(read) ? read.catch((err: unknown) => this.inputFailed(err, bound, task, request)) : read;
    }

    /** A task whose input could not be read: null with a warning, or the error when it must fail the request. */
    private inputFailed(err: unknown, bound: BoundHead<K, O>, task: Task, request: HeadRequest): null {
      // An aborted request stops here rather than predicting the rest for nobody.
      request.signal?.throwIfAborted();
      if (err instanceof TaskInputError || (LsmlError.is(err) && err.code === 'task_input')) {
        const e = err as TaskInputError;
        this.logger.warn({ task: task.id ?? null, field: e.field }, `No prediction for this task: ${e.message}`);
        return null;
      }
      // Other lsml errors (a misfit config, an aborted request) fail the request with their status.
      if (LsmlError.is(err)) throw err;
      this.logger.warn({ task: task.id ?? null, field: bound.field ?? bound.toName, err }, 'No prediction for this task: its input could not be read');
      return null;
    }

    // ---- training ----------------------------------------------------------------------------------

    private trainable(): TrainableRuntime<K, O> | null {
      return isTrainableRuntime(this.runtime) ? this.runtime : null;
    }

    /** Records the annotations of the event (one state key per task), then lets the policy schedule training. */
    override async fit(event: WebhookEvent, data: WebhookData): Promise<unknown> {
      if (!this.trainable()) return null;
      await this.recordAnnotations(event, data);
      return super.fit(event, data);
    }

    /**
     * Keep the labelled task of each annotation event under `example:<task id>` (latest annotation per
     * task wins; a deletion removes it). Serialised per instance.
     */
    recordAnnotations(event: string, data: WebhookData): Promise<void> {
      const run = this.recording.then(async () => {
        if (!this.labelInterface) return;
        const bound = this.boundHead;
        const annotations = toArray(data.annotation);
        if (event === 'ANNOTATION_DELETED' || event === 'ANNOTATIONS_DELETED') {
          const gone = new Set([...annotations, ...(data.annotations ?? [])].map((a) => a.id));
          const direct = annotations.map((a) => taskIdOf(a, toArray(data.task))).filter((id): id is number => id !== undefined);
          // ANNOTATIONS_DELETED carries only annotation ids: look through the stored examples then.
          const keys = direct.length === annotations.length && annotations.length > 0 ? direct.map((id) => EXAMPLE_KEY_PREFIX + id) : await this.exampleKeys();
          for (const key of keys) {
            const stored = await this.getJSON<StoredExample>(key);
            if (stored?.annotationId !== undefined && gone.has(stored.annotationId)) await this.delete(key);
          }
          return;
        }
        const tasks = toArray(data.task);
        for (const [i, annotation] of annotations.entries()) {
          const task = typeof annotation.task === 'object' ? annotation.task : (tasks.find((t) => t.id === annotation.task) ?? tasks[i] ?? tasks[0]);
          const id = task?.id ?? (typeof annotation.task === 'number' ? annotation.task : undefined);
          if (id === undefined) continue;
          const key = EXAMPLE_KEY_PREFIX + id;
          const labels = annotation.was_cancelled ? null : (bound.labelsOf?.(annotation) ?? null);
          if (task && labels && labels.length > 0) {
            const stored: StoredExample = { task: { id, ...(task.data ? { data: task.data } : {}) }, labels, ...(annotation.id !== undefined ? { annotationId: annotation.id } : {}) };
            await this.setJSON(key, stored);
          } else if ((await this.getJSON<StoredExample>(key))?.annotationId === annotation.id) {
            await this.delete(key); // the annotation no longer labels this control
          }
        }
      });
      this.recording = run.catch(() => undefined);
      return run;
    }

    private async exampleKeys(): Promise<string[]> {
      return this.store.keys ? await this.store.keys(this.projectId, EXAMPLE_KEY_PREFIX) : [];
    }

    /**
     * The labelled tasks to train on, one per task: those recorded from webhooks (this job's events and
     * all earlier ones), then every annotated task of the Label Studio API when it is configured (the
     * API wins for a task both know).
     */
    async trainingExamples(ctx: TrainingContext): Promise<Array<TrainingExample<K>>> {
      const bound = this.boundHead;
      const byTask = new Map<string, { task: Task; labels: readonly string[] }>();
      const keys = await this.exampleKeys();
      // Read and parsed a page at a time with yields between: training runs in the server process, and
      // 500 stored mails read in one go held the event loop for several ms.
      let slice = performance.now();
      for (let start = 0; start < keys.length; start += EXAMPLE_PAGE) {
        for (const raw of await this.store.getMany(this.projectId, keys.slice(start, start + EXAMPLE_PAGE))) {
          if (!raw) continue;
          const stored = JSON.parse(raw) as StoredExample;
          byTask.set(String(stored.task.id), { task: stored.task as Task, labels: stored.labels });
        }
        if (performance.now() - slice > SLICE_MS) {
          await yieldToEventLoop();
          slice = performance.now();
        }
      }
      // The job's own events, only when the store cannot list keys (a custom StateStore without keys()):
      // otherwise the stored examples are the truth, and replaying the job's events would bring back
      // an annotation deleted (or relabelled away) since.
      for (const { data } of this.store.keys ? [] : ctx.events) {
        const tasks = toArray(data.task);
        toArray(data.annotation).forEach((annotation, i) => {
          const task = typeof annotation.task === 'object' ? annotation.task : (tasks.find((t) => t.id === annotation.task) ?? tasks[i]);
          const labels = task && !annotation.was_cancelled ? bound.labelsOf?.(annotation) : null;
          if (task && labels && labels.length > 0 && !byTask.has(String(task.id))) byTask.set(String(task.id), { task, labels });
        });
      }
      let client: ReturnType<TrainingContext['labelStudio']> | null = null;
      try {
        client = ctx.labelStudio();
      } catch {
        ctx.logger.debug('Label Studio API not configured: training on the annotations received by webhook');
      }
      if (client) {
        try {
          for (const task of await client.annotatedTasks(ctx.projectId, { signal: ctx.signal })) {
            const labels = latestLabels(bound, task.annotations ?? []);
            if (labels) byTask.set(String(task.id), { task, labels });
          }
        } catch (err) {
          ctx.signal.throwIfAborted();
          ctx.logger.warn({ err }, 'Could not read annotated tasks from Label Studio: training on the webhook annotations only');
        }
      }
      const request: HeadRequest = { context: null, extraParams: this.extraParams, signal: ctx.signal, logger: ctx.logger };
      const examples: Array<TrainingExample<K>> = [];
      for (const { task, labels } of byTask.values()) {
        const input = await this.readInput(bound, task, request);
        if (input) examples.push({ input, labels });
      }
      return examples;
    }

    /**
     * A background training job: gather examples, train a fresh runtime of this project (or the shared
     * one), save it into `ctx.artifactDir`. It serves once the job publishes the version (`loadVersion`).
     */
    override async train(ctx: TrainingContext): Promise<unknown> {
      if (!this.trainable()) throw new LsmlError('not_trainable', `The ${this.runtime.provider} runtime of ${name} is not trainable`, { status: 400 });
      const examples = await this.trainingExamples(ctx);
      if (examples.length === 0) throw new LsmlError('no_examples', 'No annotated task to train on (annotations must label the head\'s control)', { status: 400 });
      // A fresh runtime keeps the serving one unchanged until the new version is published.
      const fresh = factory ? factory({ projectId: this.projectId }) : this.runtime;
      const trainee = isTrainableRuntime(fresh) ? fresh : (this.trainable() as TrainableRuntime<K, O>);
      try {
        if (trainee !== this.runtime) await trainee.load({ logger: ctx.logger, signal: ctx.signal });
        await ctx.progress(0, `training on ${examples.length} examples`);
        const labels = this.boundHead.labels;
        const metrics = await trainee.train(examples, {
          signal: ctx.signal,
          onProgress: (percent, message) => ctx.progress(Math.max(0, Math.min(100, Math.round(percent))), message),
          ...(labels ? { labels } : {}),
        });
        await trainee.save(ctx.artifactDir);
        return { ...metrics, examples: examples.length };
      } finally {
        if (trainee !== this.runtime) await trainee.dispose();
      }
    }

    /** Serve a trained version: restore its files into this project's runtime. */
    override async loadVersion(_version: string, artifactDir: string): Promise<void> {
      const runtime = this.trainable();
      if (!runtime) return;
      await runtime.restore(artifactDir);
      this.untrained = false;
    }

    /** Releases this project's own runtime; a shared runtime stays loaded for the other projects. */
    override async dispose(): Promise<void> {
      if (!shared) await this.runtime.dispose();
    }
  }
  Object.defineProperty(RuntimeBackend, 'name', { value: name });
  return RuntimeBackend;
}


/** Stored examples read per store call while gathering training data. */
const EXAMPLE_PAGE = 50;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}


function toArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function taskIdOf(annotation: Annotation, tasks: readonly Task[]): number | undefined {
  if (typeof annotation.task === 'number') return annotation.task;
  if (typeof annotation.task === 'object') return annotation.task.id;
  return tasks.length === 1 ? tasks[0]?.id : undefined;
}

/** The labels of the latest usable (not cancelled, labelling the control) annotation of a task. */
function latestLabels<K extends InputKind, O extends OutputKind>(bound: BoundHead<K, O>, annotations: readonly Annotation[]): readonly string[] | null {
  for (const annotation of [...annotations].reverse()) {
    if (annotation.was_cancelled) continue;
    const labels = bound.labelsOf?.(annotation);
    if (labels && labels.length > 0) return labels;
  }
  return null;
}
