// Structural types for the parts of transformers.js this package touches. Both @huggingface/transformers
// (v3/v4) and @xenova/transformers (v2) satisfy them; their own typings are loose (JSDoc, many `any`)
// and differ between majors, so nothing outside runtime.ts sees the library's types.

/** `Tensor` of either library: flat data plus dims. */
export interface TensorLike {
  /** Element type, e.g. `float32`, `int64`. */
  readonly type: string;
  /** The elements, row-major. */
  readonly data: ArrayLike<number> | ArrayLike<bigint>;
  /** The shape. */
  readonly dims: readonly number[];
  /** The elements as nested arrays. */
  tolist(): unknown[];
}

export interface TokenizerCallOptions {
  /** Second sequence(s) of a pair (NLI hypotheses). */
  text_pair?: string | string[] | null;
  /** Pad a batch to its longest item. */
  padding?: boolean;
  /** Cut items longer than the model's input. */
  truncation?: boolean;
  /** Longest input in tokens. */
  max_length?: number;
  /** Add `[CLS]`/`[SEP]`-style tokens (default true). */
  add_special_tokens?: boolean;
}

/** A `PreTrainedTokenizer`: callable (its instances are functions), plus decode. */
export interface TokenizerLike {
  (text: string | string[], options?: TokenizerCallOptions): Record<string, TensorLike>;
  /** Token ids → text. */
  decode(ids: ReadonlyArray<number | bigint>, options?: { skip_special_tokens?: boolean }): string;
  /** `left` or `right`. */
  padding_side?: string;
  /** Longest input the tokenizer allows. */
  model_max_length?: number;
  /** Ids of `[CLS]`, `[SEP]`, `[PAD]`, … */
  all_special_ids?: number[];
  /** v3/v4: the `[UNK]` id. */
  unk_token_id?: number | null;
  /** v2 keeps the unknown id on the tokenizer model. */
  model?: { unk_token_id?: number | null };
}

/** `config.json` as the library parsed it (only what the mappings read). */
export interface ModelConfigLike {
  /** e.g. `bert`, `gpt2`. */
  model_type?: string;
  /** e.g. `BertForTokenClassification`. */
  architectures?: string[];
  /** Output index → class name. */
  id2label?: Record<string, string>;
  /** Class name → output index. */
  label2id?: Record<string, number>;
  /** `multi_label_classification` for sigmoid classifiers. */
  problem_type?: string;
  /** Position table size (BERT-style models). */
  max_position_embeddings?: number;
  /** Position table size (GPT-2-style models). */
  n_positions?: number;
}

/** A `PreTrainedModel`: callable with named input tensors, resolves to named outputs. */
export interface ModelLike {
  (inputs: Record<string, TensorLike>): Promise<Record<string, TensorLike>>;
  /** The parsed `config.json`. */
  config: ModelConfigLike;
  /** Release its onnxruntime sessions. */
  dispose?(): Promise<unknown>;
}

/** `RawImage` (what image processors take). */
export interface RawImageLike {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** An image processor: resizes and normalises images into `pixel_values`. */
export interface ImageProcessorLike {
  (images: RawImageLike | RawImageLike[]): Promise<Record<string, unknown>>;
}

/** A pipeline object: callable, and exposes the model/tokenizer/processor it was built from. */
export interface PipelineLike {
  (...args: unknown[]): Promise<unknown>;
  /** The pipeline's task. */
  task?: string;
  /** The model it runs. */
  model: ModelLike;
  /** Its tokenizer (text tasks). */
  tokenizer?: TokenizerLike | null;
  /** Its image processor (image tasks). */
  processor?: ImageProcessorLike | null;
  /** Release the model's sessions. */
  dispose?(): Promise<unknown>;
}

export type ProgressInfo = {
  status: string;
  name?: string;
  file?: string;
  progress?: number;
  loaded?: number;
  total?: number;
};

/** The `env` object both libraries export (a process-wide singleton). */
export interface EnvLike {
  version?: string;
  allowRemoteModels: boolean;
  allowLocalModels: boolean;
  localModelPath: string;
  cacheDir: string | null;
  remoteHost: string;
  remotePathTemplate: string;
  useFSCache: boolean;
  useBrowserCache?: boolean;
}

export interface PipelineFactoryOptions {
  progress_callback?: (info: ProgressInfo) => void;
  local_files_only?: boolean;
  revision?: string;
  cache_dir?: string;
  // v3/v4
  dtype?: string;
  device?: string;
  session_options?: Record<string, unknown>;
  // v2
  quantized?: boolean;
}

/** The module namespace of either library, reduced to what lsml uses. */
export interface TransformersModule {
  /** The library's process-wide settings (model locations, cache, remote host). */
  env: EnvLike;
  /** Build a pipeline for `task` from `model`. */
  pipeline(task: string, model: string, options?: PipelineFactoryOptions): Promise<PipelineLike>;
  /** The library's image class: built from pixels, or read from a file or URL. */
  RawImage: {
    /** An image from interleaved 8-bit pixels. */
    new (data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 1 | 2 | 3 | 4): RawImageLike;
    /** Read an image file or URL. */
    read(input: string | URL): Promise<RawImageLike>;
    /** Decode an image blob. */
    fromBlob?(blob: Blob): Promise<RawImageLike>;
  };
  /** v3/v4 only. */
  TextStreamer?: new (tokenizer: TokenizerLike, options?: Record<string, unknown>) => unknown;
}
