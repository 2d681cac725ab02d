// Runs in core's worker threads (createThreadPool): the CPU-bound half of the text runtime —
// vectorising, scoring and fitting — so that `/health` and every other request keep their event loop.
// Inputs and outputs are plain data; model weights arrive in shared memory (no copy per call).
import { classifyTexts, trainTextModel, type TextModel, type TextTrainConfig, type TextTrainMetrics } from './text-model.js';
import type { TextVectorizerConfig } from './text-vectorizer.js';

/** Loads this module (and the vectoriser's imports) in a thread before its first real task. */
export function warm(): boolean {
  return true;
}

/** Input of `predict`. */
export interface PredictTask {
  readonly model: TextModel;
  readonly texts: readonly string[];
}

/** Calibrated probabilities, `texts.length × labels.length`, row-major. */
export function predict({ model, texts }: PredictTask): Float32Array {
  return classifyTexts(model, texts);
}

/** Input of `train`. */
export interface TrainTask {
  readonly texts: readonly string[];
  readonly targets: Int32Array;
  readonly labels: readonly string[];
  readonly vectorizer: TextVectorizerConfig;
  readonly config: TextTrainConfig;
  readonly previous: TextModel | null;
}

/** Fit a new model (see `trainTextModel`). */
export function train(task: TrainTask): { model: TextModel; metrics: TextTrainMetrics } {
  return trainTextModel(task.texts, task.targets, task.labels, task.vectorizer, task.config, task.previous);
}
