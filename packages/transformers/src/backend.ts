// A transformers.js pipeline as a Label Studio backend: setup() loads the shared pipeline and reads the
// label config once, predict() runs the task mapping and checks every prediction with
// validatePrediction before it leaves.
import path from 'node:path';
import {
  LabelStudioMLBase,
  ModelResponse,
  validatePrediction,
  type BackendClass,
  type PredictOptions,
  type PredictionValue,
  type Task,
} from '@lsml/core';
import { imageClassificationMapping, type ImageClassificationOptions } from './mappings/image-classification.js';
import { objectDetectionMapping, type ObjectDetectionOptions } from './mappings/object-detection.js';
import type { BatchingOptions, MappingContext, TaskMapping, TaskPredictions } from './mappings/task-mapping.js';
import { textClassificationMapping, type TextClassificationOptions } from './mappings/text-classification.js';
import { textGenerationMapping, type TextGenerationOptions } from './mappings/text-generation.js';
import { tokenClassificationMapping, type TokenClassificationOptions } from './mappings/token-classification.js';
import { zeroShotMapping, type ZeroShotOptions } from './mappings/zero-shot-classification.js';
import { isLocalModel, type TransformersTask } from './model-files.js';
import { getPipeline, type LoadedPipeline, type ModelSourceOptions } from './runtime.js';

/** Hub models used when `model` is not given: the transformers.js ports users run today. */
export const DEFAULT_MODELS: Readonly<Record<TransformersTask, string>> = {
  'text-classification': 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
  'token-classification': 'Xenova/bert-base-NER',
  'zero-shot-classification': 'Xenova/mobilebert-uncased-mnli',
  'text-generation': 'Xenova/gpt2',
  'image-classification': 'Xenova/vit-base-patch16-224',
  'object-detection': 'Xenova/detr-resnet-50',
};

interface CommonConfig extends Partial<ModelSourceOptions> {
  /** Micro-batching of concurrent requests (default on: up to 32 inputs, no extra wait); `false` turns it off. */
  batching?: BatchingOptions | false;
  /** The project's initial model version (default: the model id or folder name). */
  modelVersion?: string;
}

/** What a backend serves: a task, its model, and the task's options. */
export type TransformersBackendConfig =
  | (CommonConfig & { task: 'text-classification'; options?: TextClassificationOptions })
  | (CommonConfig & { task: 'token-classification'; options?: TokenClassificationOptions })
  | (CommonConfig & { task: 'zero-shot-classification'; options?: ZeroShotOptions })
  | (CommonConfig & { task: 'text-generation'; options?: TextGenerationOptions })
  | (CommonConfig & { task: 'image-classification'; options?: ImageClassificationOptions })
  | (CommonConfig & { task: 'object-detection'; options?: ObjectDetectionOptions });

/** The mapping between a pipeline task's output and Label Studio regions for `config.task`. */
export function createTaskMapping(config: TransformersBackendConfig): TaskMapping<unknown> {
  switch (config.task) {
    case 'text-classification':
      return textClassificationMapping(config.options) as TaskMapping<unknown>;
    case 'token-classification':
      return tokenClassificationMapping(config.options) as TaskMapping<unknown>;
    case 'zero-shot-classification':
      return zeroShotMapping(config.options) as TaskMapping<unknown>;
    case 'text-generation':
      return textGenerationMapping(config.options) as TaskMapping<unknown>;
    case 'image-classification':
      return imageClassificationMapping(config.options) as TaskMapping<unknown>;
    case 'object-detection':
      return objectDetectionMapping(config.options) as TaskMapping<unknown>;
    default: {
      const task: never = config;
      throw new Error(`Unsupported task ${JSON.stringify((task as { task?: unknown }).task)}`);
    }
  }
}

/**
 * Base class: set `config` and export the class, or use `transformersBackend(config)`.
 *
 * ```ts
 * export default class Ner extends TransformersBackend {
 *   readonly config = { task: 'token-classification', model: 'Xenova/bert-base-NER' } as const;
 * }
 * ```
 */
export abstract class TransformersBackend extends LabelStudioMLBase {
  abstract readonly config: TransformersBackendConfig;
  /** The shared pipeline, set by `setup()`. */
  pipeline: LoadedPipeline | undefined;

  private mapping: TaskMapping<unknown> | undefined;
  private target: { config: string; value: unknown } | undefined;

  /** The model id or folder in use. */
  get modelName(): string {
    return this.config.model ?? DEFAULT_MODELS[this.config.task];
  }

  override async setup(): Promise<void> {
    const { task, modelVersion } = this.config;
    const { model: _model, batching: _batching, modelVersion: _version, options: _options, ...source } = this.config;
    this.pipeline = await getPipeline({ ...source, task, model: this.modelName }, { logger: this.logger });
    this.mapping = createTaskMapping(this.config);
    // Read the label config now, so /setup already reports a config the model cannot serve.
    if (this.labelInterface) this.prepared();
    await this.initModelVersion(modelVersion ?? (isLocalModel(this.modelName) ? path.basename(this.modelName) : this.modelName));
  }

  private context(): MappingContext {
    if (!this.pipeline) throw new Error('TransformersBackend: setup() has not run');
    return { loaded: this.pipeline, logger: this.logger, batching: this.config.batching ?? {} };
  }

  /** The mapping's target for the current label config (recomputed if the config changed). */
  private prepared(): unknown {
    const config = this.labelConfig ?? '';
    if (this.target?.config !== config) {
      this.target = { config, value: (this.mapping as TaskMapping<unknown>).prepare(this.labelInterface, this.context()) };
    }
    return this.target.value;
  }

  override async predict(tasks: Task[], { context, params }: PredictOptions): Promise<ModelResponse> {
    void params;
    const ctx = this.context();
    const target = this.prepared();
    const predictions = await (this.mapping as TaskMapping<unknown>).predict(target, { tasks, context, extraParams: this.extraParams }, ctx);
    return new ModelResponse({ model_version: this.modelVersion, predictions: predictions.map((p) => this.checked(p)) });
  }

  /**
   * Keep only predictions Label Studio accepts: one invalid prediction makes it reject the whole
   * batch, so an invalid one is logged and sent empty.
   */
  private checked(p: TaskPredictions): PredictionValue | PredictionValue[] {
    const check = (one: PredictionValue): PredictionValue => {
      if (!this.labelInterface) return one;
      const { ok, errors } = validatePrediction(this.labelInterface, one);
      if (ok) return one;
      this.logger.warn({ errors, model: this.modelName }, 'Dropping a prediction the label config rejects');
      return { score: 0, result: [] };
    };
    return Array.isArray(p) ? p.map(check) : check(p);
  }
}

/**
 * The same backend from a plain config: `export default transformersBackend({ task, model })`.
 *
 * @example
 * ```ts
 * // model.ts — serve it with `npx lsml start model.ts`
 * import { transformersBackend } from '@lsml/transformers';
 *
 * export default transformersBackend({
 *   task: 'text-classification',
 *   model: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
 * });
 * ```
 */
export function transformersBackend(config: TransformersBackendConfig & { name?: string }): BackendClass {
  const { name = 'TransformersBackend', ...rest } = config;
  const Backend = class extends TransformersBackend {
    readonly config = rest as TransformersBackendConfig;
  };
  Object.defineProperty(Backend, 'name', { value: name });
  return Backend;
}
