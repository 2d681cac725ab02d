// transformersRuntime(): a transformers.js pipeline as a core `Runtime`. The task decides the input and
// output kinds (text → classes / spans / text, image → classes / boxes); the pipeline is shared by every
// runtime (and so every project) asking for the same model, and concurrent runs are micro-batched.
import path from 'node:path';
import {
  entityTypes,
  type InputOf,
  type LoadOptions,
  type OutputOf,
  type RunOptions,
  type Runtime,
  type RuntimeCapabilities,
  type RuntimeInfo,
  type RuntimeLogger,
} from '@lsml/core';
import { TransformersError } from './errors.js';
import { isLocalModel, type TransformersTask } from './model-files.js';
import { retainPipeline, type LoadedPipeline, type PipelineRequest } from './pipelines.js';
import {
  DEFAULT_BATCHING,
  DEFAULT_MODELS,
  TASK_KINDS,
  type TaskInputKind,
  type TaskOptions,
  type TaskOutputKind,
  type TransformersRuntimeSettings,
} from './settings.js';
import { nliLabelIds, runImageClassification, runTextClassification, runZeroShot } from './tasks/classification.js';
import { modelLabelNames, type TaskContext } from './tasks/context.js';
import { runObjectDetection } from './tasks/object-detection.js';
import { runTextGeneration } from './tasks/text-generation.js';
import { runTokenClassification } from './tasks/token-classification.js';

/** A transformers.js runtime for task `T`: a core `Runtime` plus what it was built from. */
export interface TransformersRuntime<T extends TransformersTask = TransformersTask> extends Runtime<TaskInputKind<T>, TaskOutputKind<T>> {
  /** Always `'transformers'`. */
  readonly provider: 'transformers';
  /** The transformers.js task. */
  readonly task: T;
  /** The settings it was created with. */
  readonly settings: TransformersRuntimeSettings<T>;
  /** The shared pipeline once `load()` has resolved (until `dispose()`), for framework-level access. */
  readonly pipeline: LoadedPipeline | undefined;
}

const silent: RuntimeLogger = { info() {}, warn() {}, debug() {} };

/** `signal.reason` (or an AbortError) once `signal` aborts, else the promise's own outcome. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Throws `invalid_input` naming the first input that is not of the task's kind. */
function checkInputs(task: TransformersTask, inputs: readonly unknown[]): void {
  const kind = TASK_KINDS[task].input;
  inputs.forEach((value, i) => {
    const input = value as { kind?: unknown; text?: unknown; prompt?: unknown; pixels?: unknown; width?: unknown; height?: unknown; channels?: unknown } | null;
    const what = `${task} input ${i}`;
    if (typeof input !== 'object' || input === null || input.kind !== kind) {
      throw new TransformersError('invalid_input', `${what} must be a ${kind} input ({ kind: '${kind}', … }), got ${JSON.stringify(value)?.slice(0, 80)}`);
    }
    if (kind === 'text') {
      if (typeof input.text !== 'string') throw new TransformersError('invalid_input', `${what}: text must be a string, got ${typeof input.text}`);
      if (input.prompt !== undefined && typeof input.prompt !== 'string') throw new TransformersError('invalid_input', `${what}: prompt must be a string`);
      return;
    }
    const { pixels, width, height, channels } = input;
    if (!(pixels instanceof Uint8Array) || !Number.isInteger(width) || !Number.isInteger(height) || ![1, 3, 4].includes(channels as number)) {
      throw new TransformersError('invalid_input', `${what}: pixels must be a Uint8Array with integer width/height and 1, 3 or 4 channels`);
    }
    if ((pixels as Uint8Array).length !== (width as number) * (height as number) * (channels as number) || (width as number) <= 0 || (height as number) <= 0) {
      throw new TransformersError('invalid_input', `${what}: ${(pixels as Uint8Array).length} bytes do not make a ${width}×${height}×${channels} image`);
    }
  });
}

/** What `load()` reports for each task. */
function infoOf(task: TransformersTask, loaded: LoadedPipeline, options: TaskOptions[TransformersTask]): RuntimeInfo {
  const labels = () => modelLabelNames(loaded.pipe.model.config);
  switch (task) {
    case 'text-classification':
      return { labels: labels() };
    case 'token-classification':
      return { labels: entityTypes(labels(), (options as TaskOptions['token-classification']).ignoreLabels) };
    case 'zero-shot-classification': {
      nliLabelIds(loaded); // an NLI model, or a clear model_load error now rather than at the first task
      const candidates = (options as TaskOptions['zero-shot-classification']).candidateLabels;
      return { candidateLabels: true, ...(candidates ? { labels: [...candidates] } : {}) };
    }
    case 'text-generation':
      return {};
    case 'image-classification':
      return { labels: labels(), image: { channels: 3 } };
    case 'object-detection':
      return { labels: labels(), image: { channels: 3 } };
  }
}

/**
 * A transformers.js pipeline as a core `Runtime`, for `backend({ runtime, head })`:
 *
 * ```ts
 * import { backend, spansHead } from '@lsml/core';
 * import { transformersRuntime } from '@lsml/transformers';
 *
 * export default backend({
 *   runtime: transformersRuntime({ task: 'token-classification', model: 'Xenova/bert-base-NER' }),
 *   head: spansHead(),
 * });
 * ```
 *
 * Output kinds by task: text-classification → `classes`; zero-shot-classification → `classes` over
 * `TextInput.candidateLabels` (`RuntimeInfo.candidateLabels: true`); token-classification → `spans`
 * (UTF-16 offsets of the text, labelled with entity types); text-generation → `text` (from
 * `TextInput.prompt ?? text`, settings from `RunOptions.params`); image-classification → `classes`;
 * object-detection → `boxes` in the ImageInput's pixels. `load()` is lazy and idempotent; `run()`
 * loads on first use too.
 */
export function transformersRuntime<T extends TransformersTask>(settings: TransformersRuntimeSettings<T>): TransformersRuntime<T> {
  const task = settings.task as T;
  if (!Object.hasOwn(TASK_KINDS, task)) {
    throw new TransformersError('invalid_settings', `Unsupported task ${JSON.stringify(task)}; one of ${Object.keys(TASK_KINDS).join(', ')}`);
  }
  const { input, output } = TASK_KINDS[task] as { input: TaskInputKind<T>; output: TaskOutputKind<T> };
  const { model: modelSetting, modelId, batching: batchingSetting, options = {}, task: _task, ...source } = settings as TransformersRuntimeSettings;
  const model = modelSetting ?? DEFAULT_MODELS[task];
  const batching: TaskContext['batching'] = batchingSetting === false ? false : { ...DEFAULT_BATCHING, ...batchingSetting };
  if (batching && (!(batching.maxBatchSize >= 1) || !(batching.maxDelayMs >= 0))) {
    throw new TransformersError('invalid_settings', `batching needs maxBatchSize ≥ 1 and maxDelayMs ≥ 0, got ${JSON.stringify(batchingSetting)}`);
  }
  const capabilities: RuntimeCapabilities = { batching, shared: true, threads: 'native', trainable: false };
  const request: PipelineRequest = { ...source, task, model };

  let loading: Promise<{ info: RuntimeInfo; ctx: TaskContext; release: () => Promise<void> }> | undefined;
  let current: { info: RuntimeInfo; ctx: TaskContext; release: () => Promise<void> } | undefined;

  async function loadOnce(logger: RuntimeLogger) {
    const { loaded, release } = await retainPipeline(request, { logger });
    try {
      const info = infoOf(task, loaded, options);
      return { info, ctx: { loaded, logger, batching }, release };
    } catch (err) {
      await release();
      throw err;
    }
  }

  const runtime: TransformersRuntime<T> = {
    provider: 'transformers',
    modelId: modelId ?? (isLocalModel(model) ? path.basename(model.startsWith('file:') ? new URL(model).pathname : path.resolve(model)) : model),
    input,
    output,
    capabilities,
    task,
    settings,
    get pipeline() {
      return current?.ctx.loaded;
    },
    load(loadOptions: LoadOptions = {}): Promise<RuntimeInfo> {
      if (!loading) {
        const pending = loadOnce(loadOptions.logger ?? silent);
        loading = pending;
        pending.then(
          (done) => {
            if (loading === pending) current = done;
          },
          () => {
            // A failed load is forgotten, so the next call retries.
            if (loading === pending) loading = undefined;
          },
        );
      }
      return abortable(
        (loading as NonNullable<typeof loading>).then((l) => l.info),
        loadOptions.signal,
      );
    },
    async run(inputs: readonly InputOf<TaskInputKind<T>>[], runOptions: RunOptions = {}): Promise<OutputOf<TaskOutputKind<T>>[]> {
      const { signal, params = {} } = runOptions;
      if (signal?.aborted) throw signal.reason;
      checkInputs(task, inputs);
      if (inputs.length === 0) return [];
      const work = (async () => {
        // Loads on first use; the failure, if any, reaches the caller through `loading` below.
        if (!loading) runtime.load().catch(() => undefined);
        const { ctx } = await (loading as NonNullable<typeof loading>);
        // Aborted while loading: do not start the model.
        if (signal?.aborted) throw signal.reason;
        const texts = inputs as readonly InputOf<'text'>[];
        const images = inputs as readonly InputOf<'image'>[];
        switch (task) {
          case 'text-classification':
            return runTextClassification(ctx, texts);
          case 'zero-shot-classification':
            return runZeroShot(ctx, texts, options as TaskOptions['zero-shot-classification'], params);
          case 'token-classification':
            return runTokenClassification(ctx, texts, options as TaskOptions['token-classification'], params);
          case 'text-generation':
            return runTextGeneration(ctx, texts, options as TaskOptions['text-generation'], params);
          case 'image-classification':
            return runImageClassification(ctx, images);
          case 'object-detection':
            return runObjectDetection(ctx, images, options as TaskOptions['object-detection'], params);
        }
        throw new TransformersError('invalid_settings', `Unsupported task ${String(task)}`);
      })();
      return abortable(work, signal) as Promise<OutputOf<TaskOutputKind<T>>[]>;
    },
    async dispose(): Promise<void> {
      const pending = loading;
      loading = undefined;
      current = undefined;
      if (!pending) return;
      try {
        await (await pending).release();
      } catch {
        /* a failed load holds nothing */
      }
    },
  };
  return runtime;
}
