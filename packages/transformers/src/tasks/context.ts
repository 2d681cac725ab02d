// What every task implementation gets: the shared pipeline, a logger, micro-batching, and helpers
// that read tensors and per-request params.
import { MicroBatcher, type RuntimeLogger } from '@lsml/core';
import { TransformersError } from '../errors.js';
import type { ModelConfigLike, TensorLike, TokenizerLike } from '../library-types.js';
import type { LoadedPipeline } from '../pipelines.js';

/** The loaded pipeline and how this runtime batches. */
export interface TaskContext {
  readonly loaded: LoadedPipeline;
  readonly logger: RuntimeLogger;
  /** `false`: every `run` call is one batch of its own, never merged with other calls. */
  readonly batching: { readonly maxBatchSize: number; readonly maxDelayMs: number } | false;
}

/**
 * Run `items` through `runBatch`, merged with other concurrent callers of the same pipeline and
 * `name` when batching is on (one micro-batcher per pipeline, shared by all runtimes and projects).
 */
export function batched<In, Out>(ctx: TaskContext, name: string, items: readonly In[], runBatch: (batch: In[]) => Promise<Out[]>): Promise<Out[]> {
  if (items.length === 0) return Promise.resolve([]);
  if (ctx.batching === false) return runBatch([...items]);
  const { maxBatchSize, maxDelayMs } = ctx.batching;
  // The first caller's sizes win for a pipeline: they are a property of the model, not the project.
  const batcher = ctx.loaded.shared(`batcher:${name}`, () => new MicroBatcher<In, Out>({ runBatch, maxBatchSize, maxDelayMs }));
  return batcher.pushMany(items);
}

/** Rows of a 2-D (or the last two dims of a 3-D) float tensor. */
export function rows(t: TensorLike): Float32Array[] {
  const width = t.dims[t.dims.length - 1] ?? 0;
  const data = t.data as ArrayLike<number>;
  const out: Float32Array[] = [];
  for (let i = 0; i + width <= data.length && width > 0; i += width) out.push(Float32Array.from({ length: width }, (_, k) => data[i + k] as number));
  return out;
}

/** A named tensor of a tokenizer/model result, or an error naming what is there instead. */
export function need(tensors: Record<string, TensorLike>, name: string): TensorLike {
  const t = tensors[name];
  if (!t) throw new TransformersError('inference', `expected a "${name}" tensor, got ${Object.keys(tensors).join(', ') || 'none'}`);
  return t;
}

/** Integer token ids of a [batch, seq] tensor, row by row. */
export function idRows(t: TensorLike): number[][] {
  const [batch = 0, seq = 0] = t.dims;
  const data = t.data;
  return Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, s) => Number(data[b * seq + s])));
}

/** The model's label names in output order, from config.json's `id2label`. */
export function modelLabelNames(config: ModelConfigLike, count?: number): string[] {
  const id2label = config.id2label ?? {};
  const n = count ?? Object.keys(id2label).length;
  return Array.from({ length: n }, (_, i) => id2label[String(i)] ?? `LABEL_${i}`);
}

export function requireTokenizer(loaded: LoadedPipeline): TokenizerLike {
  const tok = loaded.pipe.tokenizer;
  if (!tok) throw new TransformersError('model_load', `The ${loaded.task} pipeline of "${loaded.model}" has no tokenizer`);
  return tok;
}

/** Longest input the model takes, in tokens (tokenizer limit and position table). */
export function maxTokens(loaded: LoadedPipeline): number {
  const tok = loaded.pipe.tokenizer;
  const limits = [tok?.model_max_length, loaded.pipe.model.config.max_position_embeddings, loaded.pipe.model.config.n_positions].filter(
    (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 1e9,
  );
  return limits.length > 0 ? Math.min(...limits) : 512;
}

/** A list of strings from params: an array, or a comma-separated string. */
export function stringList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.trim()) return value.split(',').map((s) => s.trim()).filter(Boolean);
  return undefined;
}
