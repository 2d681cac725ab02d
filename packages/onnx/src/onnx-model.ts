// An ONNX model ready to serve: its session, its declared inputs/outputs, checked runs, and dynamic
// micro-batching of per-item predictions. Loaded once per model file per process and shared.
import { MicroBatcher } from '@lsml/core';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { BufferPool, mergeFeeds, shapeKey, splitOutputs, type PadValues } from './batch-tensors.js';
import { createSession, resolveSource, type ModelSource, type OnnxSessionOptions } from './runtime.js';
import { checkFeeds, isDynamicDim, toTensorInfo, type Feeds, type TensorInfo } from './validate-feeds.js';

/** Micro-batching of an {@link OnnxModel}'s `predict` calls. */
export interface BatchingOptions {
  /** Most items merged into one `session.run` (default 32). */
  maxBatchSize?: number;
  /** How long the first item waits for others (default 2 ms; 0 merges only what arrives in the same turn). */
  maxDelayMs?: number;
  /** Most items waiting; beyond it `predict` rejects with `QueueFullError` (default 4096). */
  maxQueueSize?: number;
  /**
   * Pad values for inputs whose dynamic non-batch dims may differ between items, e.g.
   * `{ input_ids: 0, attention_mask: 0 }`. Items are padded at the end to the longest, and outputs that
   * share the padded dim's symbol are trimmed back. Without a pad value, only items of equal shape merge.
   */
  pad?: PadValues;
}

/** Options of {@link loadOnnxModel}: session options plus micro-batching. */
export interface LoadOnnxModelOptions extends OnnxSessionOptions {
  /**
   * Micro-batching of `predict` calls (default on for models whose inputs and outputs all have a dynamic
   * first dim; `false` to run each call alone). Settings of the first load of a shared model win.
   */
  batching?: BatchingOptions | false;
  /**
   * Share the session with every other load of the same file and session options (default true for
   * paths; models given as bytes are never shared).
   */
  shared?: boolean;
}

/** Counters of an {@link OnnxModel} since it was loaded. */
export interface OnnxModelStats {
  /** `session.run` calls. */
  runs: number;
  /** Items given to `predict`/`predictMany`. */
  items: number;
  /** Largest number of rows in one run. */
  largestRun: number;
}

/** Options of one {@link OnnxModel} run. */
export interface RunOptions {
  /** Outputs to compute (default all). */
  outputs?: readonly string[];
}

/** Batchable when every input and output is a tensor with a dynamic first dim. */
function detectBatchDim(inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): boolean {
  const all = [...inputs, ...outputs];
  return inputs.length > 0 && all.every((v) => v.type !== null && v.shape.length > 0 && isDynamicDim(v.shape[0]));
}

/**
 * A loaded ONNX model shared by every backend instance of the process: feed checks, micro-batched `predict`,
 * run counters (made by {@link loadOnnxModel}).
 */
export class OnnxModel {
  /** The underlying onnxruntime session, for anything this wrapper does not cover. */
  readonly session: InferenceSession;
  /** Absolute path of the model file, or `'<bytes>'`. */
  readonly source: string;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Providers in use, e.g. `['cpu']`. */
  readonly executionProviders: readonly string[];
  /** Whether the model has a dynamic batch dimension (every input and output). */
  readonly hasBatchDim: boolean;
  /** Effective batching settings; `null` when each `predict` runs alone. */
  readonly batching: Readonly<Required<Omit<BatchingOptions, 'pad'>> & { pad: PadValues }> | null;

  private readonly batcher: MicroBatcher<Feeds, Feeds> | null;
  private readonly inputBuffers = new BufferPool();
  private readonly counters: OnnxModelStats = { runs: 0, items: 0, largestRun: 0 };
  private refs = 1;
  private released = false;
  /** Called once the last reference is released (removes the model from the shared cache). */
  onRelease: (() => void) | undefined;

  constructor(session: InferenceSession, init: { source: string; executionProviders: readonly string[]; batching?: BatchingOptions | false }) {
    this.session = session;
    this.source = init.source;
    this.executionProviders = init.executionProviders;
    this.inputs = session.inputMetadata.map(toTensorInfo);
    this.outputs = session.outputMetadata.map(toTensorInfo);
    this.inputNames = this.inputs.map((i) => i.name);
    this.outputNames = this.outputs.map((o) => o.name);
    this.hasBatchDim = detectBatchDim(this.inputs, this.outputs);
    const b = init.batching;
    if (b === false || !this.hasBatchDim) {
      // A model without a batch dimension falls back to one run per item.
      this.batching = null;
      this.batcher = null;
    } else {
      this.batching = {
        maxBatchSize: b?.maxBatchSize ?? 32,
        maxDelayMs: b?.maxDelayMs ?? 2,
        maxQueueSize: b?.maxQueueSize ?? 4096,
        pad: { ...b?.pad },
      };
      for (const name of Object.keys(this.batching.pad)) {
        if (!this.inputNames.includes(name)) throw new Error(`batching.pad names "${name}", which is not an input of ${this.source} (inputs: ${this.inputNames.join(', ')})`);
      }
      this.batcher = new MicroBatcher<Feeds, Feeds>({
        maxBatchSize: this.batching.maxBatchSize,
        maxDelayMs: this.batching.maxDelayMs,
        maxQueueSize: this.batching.maxQueueSize,
        // One batch at a time: node runs sessions on the main thread anyway, and the merged-input
        // buffers are reused from one batch to the next.
        maxConcurrentBatches: 1,
        runBatch: (items) => this.runMerged(items),
      });
    }
  }

  get stats(): Readonly<OnnxModelStats> {
    return { ...this.counters };
  }

  /** Throw an `OnnxInputError` naming the input and its expected type/shape unless `feeds` fit the model. */
  checkFeeds(feeds: unknown): asserts feeds is Feeds {
    checkFeeds(feeds, this.inputs);
  }

  /** One checked `session.run` with these feeds as they are (a whole batch, or one item). */
  async run(feeds: Feeds, options: RunOptions = {}): Promise<Feeds> {
    this.assertLive();
    this.checkFeeds(feeds);
    return this.rawRun(feeds, options.outputs);
  }

  /**
   * Predict for one item: feeds shaped like a batch of one (e.g. `[1, features]`). Concurrent calls are
   * merged into one run when the model has a batch dimension; each caller gets its own rows back.
   */
  async predict(item: Feeds): Promise<Feeds> {
    this.assertLive();
    this.checkItem(item);
    this.counters.items++;
    if (this.batcher) return this.batcher.push(item);
    return this.rawRun(item);
  }

  /**
   * `predict` for several items at once (a `/predict` with many tasks); results in the same order. Items
   * are queued one batch at a time, so single-task callers arriving meanwhile are not stuck behind a
   * long request, and the queue bound applies per batch rather than to the whole request.
   */
  async predictMany(items: readonly Feeds[]): Promise<Feeds[]> {
    this.assertLive();
    items.forEach((item) => this.checkItem(item));
    this.counters.items += items.length;
    const out: Feeds[] = [];
    if (this.batcher) {
      const size = this.batcher.maxBatchSize;
      for (let i = 0; i < items.length; i += size) out.push(...(await this.batcher.pushMany(items.slice(i, i + size))));
      return out;
    }
    for (const item of items) out.push(await this.rawRun(item));
    return out;
  }

  /** Items waiting for a batch. */
  get pending(): number {
    return this.batcher?.pending ?? 0;
  }

  /** Take another reference to a shared model (each one needs its own `release()`). */
  retain(): this {
    this.assertLive();
    this.refs++;
    return this;
  }

  /**
   * Drop one reference; the last one finishes queued predictions and frees the native session. Models
   * are shared per file, so call it once per `loadOnnxModel`.
   */
  async release(): Promise<void> {
    if (this.released) return;
    if (--this.refs > 0) return;
    await this.dispose();
  }

  /** Free the session now, whatever the reference count (process shutdown). */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.onRelease?.();
    await this.batcher?.close();
    await this.session.release();
  }

  get isReleased(): boolean {
    return this.released;
  }

  private assertLive(): void {
    if (this.released) throw new Error(`ONNX model ${this.source} was released`);
  }

  private checkItem(item: Feeds): void {
    this.checkFeeds(item);
    if (!this.batcher) return;
    // Every input of an item must bring the same number of rows.
    const rows = new Set(this.inputNames.map((n) => (item[n] as Tensor).dims[0]));
    if (rows.size > 1) throw new Error(`The inputs of one item must have the same first dim (got ${[...rows].join(', ')})`);
  }

  private async rawRun(feeds: Feeds, outputs?: readonly string[]): Promise<Feeds> {
    this.counters.runs++;
    const rows = (feeds[this.inputNames[0] ?? ''] as Tensor | undefined)?.dims[0] ?? 1;
    if (rows > this.counters.largestRun) this.counters.largestRun = rows;
    return (outputs ? this.session.run(feeds, outputs) : this.session.run(feeds)) as Promise<Feeds>;
  }

  /** The batch function: one run per group of items that can share a batch (usually exactly one). */
  private async runMerged(items: Feeds[]): Promise<Feeds[]> {
    const pad = this.batching?.pad ?? {};
    const groups = new Map<string, number[]>();
    items.forEach((item, i) => {
      const key = shapeKey(item, this.inputs, pad);
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const results = new Array<Feeds>(items.length);
    for (const indices of groups.values()) {
      const group = indices.map((i) => items[i] as Feeds);
      if (group.length === 1) {
        results[indices[0] as number] = await this.rawRun(group[0] as Feeds);
        continue;
      }
      const merged = mergeFeeds(group, this.inputs, pad, this.inputBuffers);
      const outputs = await this.rawRun(merged.feeds);
      splitOutputs(outputs, merged, this.outputs).forEach((r, j) => {
        results[indices[j] as number] = r;
      });
    }
    return results;
  }
}

// ---- one session per model file per process ------------------------------------------------------

const shared = new Map<string, Promise<OnnxModel>>();

function cacheKey(file: string, options: OnnxSessionOptions): string {
  const { executionProviders = 'auto', intraOpNumThreads, interOpNumThreads, executionMode, graphOptimizationLevel, freeDimensionOverrides, logSeverityLevel, extra } = options;
  return `${file}\u0000${JSON.stringify([executionProviders, intraOpNumThreads, interOpNumThreads, executionMode, graphOptimizationLevel, freeDimensionOverrides, logSeverityLevel, extra])}`;
}

/**
 * Load an ONNX model from a path, a file URL or bytes. Paths are shared: every load of the same resolved
 * file (and session options) in this process gets the same `OnnxModel` and session, so all projects of a
 * backend use one copy of the weights. Each load takes a reference; `release()` drops it.
 */
export async function loadOnnxModel(source: ModelSource, options: LoadOnnxModelOptions = {}): Promise<OnnxModel> {
  const { batching, shared: share = true, ...sessionOptions } = options;
  const resolved = resolveSource(source);
  const open = async () => {
    const loaded = await createSession(resolved, sessionOptions);
    try {
      return new OnnxModel(loaded.session, { source: loaded.source, executionProviders: loaded.executionProviders, batching });
    } catch (err) {
      await loaded.session.release();
      throw err;
    }
  };
  if (typeof resolved !== 'string' || !share) return open();

  const key = cacheKey(resolved, sessionOptions);
  const existing = shared.get(key);
  if (existing) {
    const model = await existing;
    // Released between the lookup and now: load afresh.
    if (!model.isReleased) return model.retain();
  }
  const loading = open();
  shared.set(key, loading);
  try {
    const model = await loading;
    model.onRelease = () => {
      if (shared.get(key) === loading) shared.delete(key);
    };
    return model;
  } catch (err) {
    // A failed load is not cached: the next call tries again.
    if (shared.get(key) === loading) shared.delete(key);
    throw err;
  }
}

/** Every shared model loaded in this process. */
export async function sharedModels(): Promise<OnnxModel[]> {
  const settled = await Promise.allSettled(shared.values());
  return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}

/** Free every shared session (process shutdown, test teardown), whoever still holds it. */
export async function releaseAllModels(): Promise<void> {
  const models = await sharedModels();
  shared.clear();
  await Promise.all(models.map((m) => m.dispose()));
}
