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

/** Input of `save`. */
export interface SaveTask {
  readonly model: TextModel;
  readonly dir: string;
}

/**
 * Write a trained model as a TF.js Layers folder (`saveTextModel`) here rather than on the event loop:
 * building the weight tensor (dims × labels floats, 2 MB at 2^18 buckets) and serialising the files
 * held the server's event loop for tens of ms when a training job finished. The cpu backend is enough
 * for setting weights and writing them, and needs no wasm in this thread.
 */
export async function save({ model, dir }: SaveTask): Promise<true> {
  const [{ initTfjs }, { saveTextModel }] = await Promise.all([import('./platform.js'), import('./text-model-files.js')]);
  await initTfjs({ backend: 'cpu' });
  await saveTextModel(model, dir);
  return true;
}

