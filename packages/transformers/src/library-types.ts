// Structural types for the parts of transformers.js this package touches. Both @huggingface/transformers
// (v3/v4) and @xenova/transformers (v2) satisfy them; their own typings are loose (JSDoc, many `any`)
// and differ between majors, so nothing outside runtime.ts sees the library's types.

/** `Tensor` of either library: flat data plus dims. */
export interface TensorLike {
  readonly type: string;
  readonly data: ArrayLike<number> | ArrayLike<bigint>;
  readonly dims: readonly number[];
  /** The tensor's values as nested arrays. */
  tolist(): unknown[];
}

export interface TokenizerCallOptions {
  text_pair?: string | string[] | null;
  padding?: boolean;
  truncation?: boolean;
  max_length?: number;
  add_special_tokens?: boolean;
}

/** A `PreTrainedTokenizer`: callable (its instances are functions), plus decode. */
export interface TokenizerLike {
  (text: string | string[], options?: TokenizerCallOptions): Record<string, TensorLike>;
  /** The text of token ids. */
  decode(ids: ReadonlyArray<number | bigint>, options?: { skip_special_tokens?: boolean }): string;
  padding_side?: string;
  model_max_length?: number;
  all_special_ids?: number[];
  /** v3/v4. */
  unk_token_id?: number | null;
  /** v2 keeps the unknown id on the tokenizer model. */
  model?: { unk_token_id?: number | null };
}

/** `config.json` as the library parsed it (only what the mappings read). */
export interface ModelConfigLike {
  model_type?: string;
  architectures?: string[];
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  problem_type?: string;
  max_position_embeddings?: number;
  n_positions?: number;
}

/** A `PreTrainedModel`: callable with named input tensors, resolves to named outputs. */
export interface ModelLike {
  (inputs: Record<string, TensorLike>): Promise<Record<string, TensorLike>>;
  config: ModelConfigLike;
  /** Free the model's memory. */
  dispose?(): Promise<unknown>;
}

/** `RawImage` (what image processors take). */
export interface RawImageLike {
  readonly width: number;
  readonly height: number;
}

/** The part of a transformers.js image processor that lsml calls. */
export interface ImageProcessorLike {
  (images: RawImageLike | RawImageLike[]): Promise<Record<string, unknown>>;
}

/** A pipeline object: callable, and exposes the model/tokenizer/processor it was built from. */
export interface PipelineLike {
  (...args: unknown[]): Promise<unknown>;
  task?: string;
  model: ModelLike;
  tokenizer?: TokenizerLike | null;
  processor?: ImageProcessorLike | null;
  /** Free the pipeline's memory. */
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
  env: EnvLike;
  /** Load a pipeline for `task` and `model`. */
  pipeline(task: string, model: string, options?: PipelineFactoryOptions): Promise<PipelineLike>;
  RawImage: {
    /** Load an image from a path or URL. */
    read(input: string | URL): Promise<RawImageLike>;
    /** Decode an image from a Blob (not in every library version). */
    fromBlob?(blob: Blob): Promise<RawImageLike>;
  };
  /** v3/v4 only. */
  TextStreamer?: new (tokenizer: TokenizerLike, options?: Record<string, unknown>) => unknown;
}
