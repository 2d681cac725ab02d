// What `onnxRuntime(settings)` takes: the model, its labels, how text becomes model input, and the
// session / batching options. One settings type per output kind, told apart by `output`.
import type { ModelSource } from '@lsml/core';
import type { PadValues } from './batch-tensors.js';
import type { OnnxSessionOptions } from './session.js';
import type { Feeds } from './validate-feeds.js';

/**
 * Micro-batching of concurrent `run` calls (from several requests and projects) into one
 * `session.run`: `capabilities.batching` of the runtime. The defaults are every adapter's.
 */
export interface OnnxBatchingSettings {
  /** Most inputs in one `session.run` (default 32). */
  readonly maxBatchSize?: number;
  /**
   * How long the first input waits for company (default 0: what arrives in the same event-loop turn,
   * and everything that queues while a run is busy, is merged — batches grow with load, idle latency
   * stays).
   */
  readonly maxDelayMs?: number;
  /** Most inputs waiting; beyond it `run` rejects with core's `QueueFullError` (default 4096). */
  readonly maxQueueSize?: number;
  /**
   * Pad values for inputs whose dynamic dims differ between items (`spans` sets its token inputs to 0
   * itself). Without one, only items of equal shape share a run.
   */
  readonly pad?: PadValues;
}

/** Every adapter's batching defaults: `{ maxBatchSize: 32, maxDelayMs: 0 }`. */
export const DEFAULT_BATCHING: {
  /** 32 inputs per `session.run` at most. */
  readonly maxBatchSize: number;
  /** No added wait. */
  readonly maxDelayMs: number;
} = Object.freeze({ maxBatchSize: 32, maxDelayMs: 0 });

/** Settings shared by every output kind. */
export interface OnnxCommonSettings {
  /** The `.onnx` file: a path (relative to the working directory), a `file:` URL, or the bytes. */
  readonly model: ModelSource;
  /**
   * The model's class names in the order of its output's last dim: classes for `classes`, BIO/IOB tags
   * (`O`, `B-PER`, `I-PER`, …) for `spans`.
   */
  readonly labels: readonly string[];
  /** The output to read (default: the model's first output). */
  readonly outputName?: string;
  /** The model's id, the default `model_version` (default: the file name, `onnx-model` for bytes). */
  readonly modelId?: string;
  /** onnxruntime session options: execution providers, threads, graph optimisation. */
  readonly session?: OnnxSessionOptions;
  /** Micro-batching (default `{ maxBatchSize: 32, maxDelayMs: 0 }`); `false` runs each input alone. */
  readonly batching?: OnnxBatchingSettings | false;
  /**
   * Share the loaded model with every runtime of the same file and session options in this process
   * (default true; models given as bytes are never shared). Batching settings of the first load win.
   */
  readonly shared?: boolean;
}

/**
 * How to read the score output: `'logits'` get a softmax (a sigmoid with `multiLabel`),
 * `'probabilities'` are taken as they are, `'auto'` (default) decides per row — probabilities when
 * every value is in [0, 1] (and, single-label, they sum to 1), logits otherwise.
 */
export type ScoreMode = 'auto' | 'logits' | 'probabilities';

/**
 * One text's model input for a classifier: a feature vector when the model has a single
 * `[batch, features]` float32 input, or complete feeds shaped as a batch of one (`{ input_ids, … }`)
 * for any other model. For the single-input case `out` is a zeroed row of the batch buffer: fill it and
 * return it (`hashedBagOfWords(text, n, { out })`) to skip an allocation and a copy per text.
 */
export type Featurize = (text: string, out?: Float32Array) => ArrayLike<number> | Feeds | Promise<ArrayLike<number> | Feeds>;

/** `output: 'classes'`: text classification — class scores per text. */
export interface OnnxClassesSettings extends OnnxCommonSettings {
  /** The output kind (the default). */
  readonly output?: 'classes';
  /** Text → model input (see `Featurize`). */
  readonly featurize: Featurize;
  /** How to read the scores (default `'auto'`). */
  readonly scores?: ScoreMode;
  /** Classes are independent (sigmoid), not one distribution (softmax). Default false. */
  readonly multiLabel?: boolean;
}

/**
 * A tokenizer's answer for one text: token ids and each token's `[start, end)` offsets in UTF-16 code
 * units of the text (`null` for special tokens that cover no text, such as `[CLS]` and `[SEP]`: they
 * are fed to the model but never become part of a span).
 */
export interface TokenizedText {
  /** Token ids, special tokens included. */
  readonly ids: ArrayLike<number | bigint>;
  /** Per id: `[start, end)` in UTF-16 code units of the text, or `null` for a special token. */
  readonly offsets: ReadonlyArray<readonly [start: number, end: number] | null>;
  /**
   * Per token: it continues the previous token's word (a `##` piece). Default: a token that starts
   * exactly where the previous one ended, letter or digit next to letter or digit, continues its word
   * (punctuation glued to a word is a word of its own).
   */
  readonly continuesWord?: ArrayLike<boolean>;
}

/** Text → token ids and offsets (see `TokenizedText`). */
export type Tokenize = (text: string) => TokenizedText | Promise<TokenizedText>;

/** How sub-word tokens are merged before tags are grouped into spans (Hugging Face's `aggregation_strategy`). */
export type SpanAggregation = 'simple' | 'first' | 'average' | 'max';

/** Names of the token inputs of a token-classification model. */
export interface TokenInputNames {
  /** Token ids (default `input_ids`). */
  readonly ids?: string;
  /** Attention mask, fed when the model has this input (default `attention_mask`). */
  readonly mask?: string;
  /** Token type ids, all zero, fed when the model has this input (default `token_type_ids`). */
  readonly typeIds?: string;
}

/** `output: 'spans'`: token classification — tagged character spans per text. */
export interface OnnxSpansSettings extends OnnxCommonSettings {
  /** The output kind. */
  readonly output: 'spans';
  /** Text → token ids + UTF-16 offsets. */
  readonly tokenize: Tokenize;
  /** The model's token inputs (defaults: Hugging Face export names). */
  readonly inputNames?: TokenInputNames;
  /** Cut longer token sequences to this many tokens (default: no limit). */
  readonly maxTokens?: number;
  /** How tokens of one word are merged (default `'first'`: the word takes its first token's tag). */
  readonly aggregation?: SpanAggregation;
  /** Tags that are no entity (default `['O']`). */
  readonly ignoreLabels?: readonly string[];
  /** How to read the tag scores (default `'auto'`). */
  readonly scores?: ScoreMode;
}

/** Settings of `onnxRuntime`: one of the output kinds. */
export type OnnxRuntimeSettings = OnnxClassesSettings | OnnxSpansSettings;
