// The shape every task mapping has: read the label config once (where predictions go, label map), then
// turn tasks into Label Studio predictions with the shared pipeline.
import { MicroBatcher, type LabelInterface, type PredictOptions, type PredictionValue, type Task } from '@lsml/core';
import type { LoadedPipeline, RuntimeLogger } from '../runtime.js';

/** How a mapping batches inputs into model calls. */
export interface BatchingOptions {
  /** Most inputs in one model call (default 32). */
  maxBatchSize?: number;
  /**
   * How long an input waits for others before its batch runs (default 0). Even at 0, inputs that
   * arrive while a batch runs queue up and go together in the next one, and a lone request is not
   * slowed down.
   */
  maxDelayMs?: number;
}

/** What a {@link TaskMapping} works with: the loaded pipeline, a logger and the batching settings. */
export interface MappingContext {
  loaded: LoadedPipeline;
  logger: RuntimeLogger;
  /** `false`: every `/predict` runs its own tasks as one batch, never merged with other requests. */
  batching: BatchingOptions | false;
}

/** One `/predict` call as a {@link TaskMapping} sees it. */
export interface PredictInput {
  tasks: Task[];
  context: PredictOptions['context'];
  /** The project's `extra_params` (per-request overrides of the task options). */
  extraParams: Record<string, unknown>;
}

/** One task's predictions: a single prediction, or several (top-k, several generations). */
export type TaskPredictions = PredictionValue | PredictionValue[];

/**
 * Between a pipeline task and Label Studio: finds the target controls in the label config (`prepare`), and
 * turns tasks into predictions for them (`predict`).
 */
export interface TaskMapping<Target> {
  /** Where predictions go for this label config; throws a LabelConfigMismatchError naming what is missing. */
  prepare(li: LabelInterface | undefined, ctx: MappingContext): Target;
  /** Predictions for the tasks of one `/predict` call, one per task, in order. */
  predict(target: Target, input: PredictInput, ctx: MappingContext): Promise<TaskPredictions[]>;
}

/**
 * Run `items` through `runBatch`, merged with other concurrent callers of the same pipeline and
 * `name` when batching is on (one micro-batcher per pipeline, shared by all projects).
 */
export function batched<In, Out>(
  ctx: MappingContext,
  name: string,
  items: readonly In[],
  runBatch: (batch: In[]) => Promise<Out[]>,
): Promise<Out[]> {
  if (items.length === 0) return Promise.resolve([]);
  if (ctx.batching === false) return runBatch([...items]);
  const { maxBatchSize = 32, maxDelayMs = 0 } = ctx.batching;
  // The first caller's sizes win for a pipeline: they are a property of the model, not the project.
  const batcher = ctx.loaded.shared(`batcher:${name}`, () => new MicroBatcher<In, Out>({ runBatch, maxBatchSize, maxDelayMs }));
  return batcher.pushMany(items);
}
