// What `transformersRuntime()` takes: the task, where its model comes from, batching, and the task's
// own defaults (each overridable per request through `RunOptions.params`, i.e. the project's
// extra_params).
import type { AggregationStrategy } from '@lsml/core';
import type { TransformersTask } from './model-files.js';
import type { ModelSourceOptions } from './pipelines.js';

/** Hub models used when `model` is not given: the transformers.js ports users run today. */
export const DEFAULT_MODELS: Readonly<Record<TransformersTask, string>> = {
  'text-classification': 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
  'token-classification': 'Xenova/bert-base-NER',
  'zero-shot-classification': 'Xenova/mobilebert-uncased-mnli',
  'text-generation': 'Xenova/gpt2',
  'image-classification': 'Xenova/vit-base-patch16-224',
  'object-detection': 'Xenova/detr-resnet-50',
};

/**
 * Micro-batching defaults, the same in every adapter: up to 32 inputs per model call, no extra wait
 * (inputs that arrive while a batch runs still go together in the next one).
 */
export const DEFAULT_BATCHING: { readonly maxBatchSize: number; readonly maxDelayMs: number } = { maxBatchSize: 32, maxDelayMs: 0 };


/** token-classification defaults. Per request: `aggregation_strategy`, `threshold`. */
export interface TokenClassificationOptions {
  /** How sub-word pieces become words (default `first`, like Python's `aggregation_strategy="first"`). */
  aggregationStrategy?: AggregationStrategy;
  /** Model labels that are not entities (default `['O']`). */
  ignoreLabels?: string[];
  /** Drop entities scoring below this (default 0). Per request: `threshold`. */
  minScore?: number;
}

/** zero-shot-classification defaults. Per request: `hypothesis_template`, `multi_label`, `candidate_labels`. */
export interface ZeroShotOptions {
  /** Hypothesis with `{}` for the label (default `This example is {}.`). */
  hypothesisTemplate?: string;
  /** Score each label on its own (several may be true) instead of one softmax over them. */
  multiLabel?: boolean;
  /**
   * Labels to score when the input carries none (`TextInput.candidateLabels`, which heads fill from
   * the label config). Per request, `candidate_labels` (a list or a comma-separated string) wins.
   */
  candidateLabels?: string[];
  /** Most (text, label) pairs per model call (default 64). */
  maxPairsPerCall?: number;
}

/** Generation settings passed to transformers.js (its own snake_case names). */
export interface GenerationParams {
  /** Tokens to generate at most (default 64, bounded by `maxNewTokensLimit`). */
  max_new_tokens?: number;
  /** Tokens to generate at least. */
  min_new_tokens?: number;
  /** Sample instead of greedy decoding. */
  do_sample?: boolean;
  /** Sampling temperature. */
  temperature?: number;
  /** Sample among the k most likely tokens (0: all). */
  top_k?: number;
  /** Nucleus sampling mass. */
  top_p?: number;
  /** Penalty for repeated tokens (1: none). */
  repetition_penalty?: number;
  /** No n-gram of this size repeats. */
  no_repeat_ngram_size?: number;
  /** Beam search width. */
  num_beams?: number;
}

/** text-generation defaults. Per request: the `GenerationParams` keys and `num_return_sequences`. */
export interface TextGenerationOptions {
  /** Defaults for every request; `RunOptions.params` keys of the same names override them. */
  generation?: GenerationParams;
  /** Upper bound on `max_new_tokens`, whatever a request asks (default 512). */
  maxNewTokensLimit?: number;
  /** Generations per input (default 1, at most 8; useful with `do_sample`). */
  numReturnSequences?: number;
}

/** object-detection defaults. Per request: `threshold`. */
export interface ObjectDetectionOptions {
  /** Lowest score kept (default 0.5). */
  threshold?: number;
}

/** The task options each task takes (`settings.options`). */
export interface TaskOptions {
  /** No options: every class is scored; heads choose labels, top k or thresholds. */
  'text-classification': Record<string, never>;
  'token-classification': TokenClassificationOptions;
  'zero-shot-classification': ZeroShotOptions;
  'text-generation': TextGenerationOptions;
  /** No options: every class is scored. */
  'image-classification': Record<string, never>;
  'object-detection': ObjectDetectionOptions;
}

/** The input and output kinds of each task's runtime. */
export interface TaskKinds {
  'text-classification': { input: 'text'; output: 'classes' };
  'token-classification': { input: 'text'; output: 'spans' };
  'zero-shot-classification': { input: 'text'; output: 'classes' };
  'text-generation': { input: 'text'; output: 'text' };
  'image-classification': { input: 'image'; output: 'classes' };
  'object-detection': { input: 'image'; output: 'boxes' };
}

/** The input kind of a task's runtime: `'text'` or `'image'`. */
export type TaskInputKind<T extends TransformersTask> = TaskKinds[T]['input'];
/** The output kind of a task's runtime: `'classes'`, `'spans'`, `'text'` or `'boxes'`. */
export type TaskOutputKind<T extends TransformersTask> = TaskKinds[T]['output'];

/** What each task reads: text for the text tasks, a decoded image for the image ones. */
export const TASK_KINDS: { readonly [T in TransformersTask]: TaskKinds[T] } = {
  'text-classification': { input: 'text', output: 'classes' },
  'token-classification': { input: 'text', output: 'spans' },
  'zero-shot-classification': { input: 'text', output: 'classes' },
  'text-generation': { input: 'text', output: 'text' },
  'image-classification': { input: 'image', output: 'classes' },
  'object-detection': { input: 'image', output: 'boxes' },
};

/** Settings shared by every task: where the model comes from (`ModelSourceOptions`), plus these. */
export interface TransformersModelSettings extends Omit<ModelSourceOptions, 'model'> {
  /**
   * A hub id (`Xenova/bert-base-NER`: downloaded on first use into `cacheDir`) or a local folder in the
   * transformers.js layout (absolute, `./…`, `../…` or a `file:` URL: read with downloads off).
   * Default: `DEFAULT_MODELS[task]`.
   */
  model?: string;
  /** Reported as the runtime's `modelId` (the default `model_version`); default: the hub id or the folder's name. */
  modelId?: string;
  /**
   * Micro-batching of concurrent `run` calls (from every project sharing the model): default
   * `DEFAULT_BATCHING`; `false` runs each call as its own batch.
   */
  batching?: { maxBatchSize?: number; maxDelayMs?: number } | false;
}

/**
 * Settings of `transformersRuntime()`: a task, where its model comes from, and the task's options.
 *
 * ```ts
 * const settings: TransformersRuntimeSettings<'token-classification'> = {
 *   task: 'token-classification',
 *   model: 'Xenova/bert-base-NER',
 *   options: { aggregationStrategy: 'first' },
 * };
 * ```
 */
export type TransformersRuntimeSettings<T extends TransformersTask = TransformersTask> = {
  [K in T]: TransformersModelSettings & {
    /** The transformers.js task; it decides the runtime's input and output kinds (`TaskKinds`). */
    task: K;
    /** The task's defaults (per request, `RunOptions.params` override them). */
    options?: TaskOptions[K];
  };
}[T];
