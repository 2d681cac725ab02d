/**
 * Text classifier (Choices ← Text) that learns from the annotations of a Label Studio project, built
 * from the two halves of the lsml contract: `tfjsRuntime` (@lsml/tfjs) × `choicesHead` (@lsml/core).
 *
 * - Model: hashed unigram bag-of-words (2^18 buckets, no vocabulary to fit) → logistic regression fitted
 *   full-batch with L-BFGS (scikit-learn's solver) in a worker thread, with a softmax temperature fitted
 *   on held-out annotations so that `score` is a calibrated probability (sort by it for active
 *   learning). Versions are saved as TF.js Layers models.
 * - Before the first training there is no model: `/predict` answers `{"results": []}` (Label Studio
 *   stores nothing and asks again once `model_version` changes).
 * - Training runs as a background job on ANNOTATION_CREATED / ANNOTATION_UPDATED / ANNOTATIONS_CREATED
 *   every TRAIN_EVERY (default 10) new annotations, and on "Start Training" (START_TRAINING). Each
 *   finished job publishes the next `model_version` (TextClassifier-v0 → v1 → v2 …), which serves at
 *   once and after a restart.
 * - Training data: every annotation received by webhook (one state key per annotated task, so a webhook
 *   costs the same at 50 and 50,000 annotations) plus, with LABEL_STUDIO_URL + LABEL_STUDIO_API_KEY,
 *   every annotated task of the project read through the Label Studio API (that one wins for a task
 *   both know).
 * - Inference and training run in worker threads: `/health` keeps answering while a 20,000-task
 *   `/predict` and a retraining run (bench/text-classifier.mjs).
 */
import { backend, choicesHead, type BackendClass } from '@lsml/core';
import { tfjsRuntime, type TfjsRuntimeSettings } from '@lsml/tfjs';

/** Annotations between two automatic trainings when TRAIN_EVERY is not set. */
export const DEFAULT_TRAIN_EVERY = 10;

/** TRAIN_EVERY: annotations between two automatic trainings (START_TRAINING always trains). */
export function trainEveryFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TRAIN_EVERY?.trim();
  if (!raw) return DEFAULT_TRAIN_EVERY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`TRAIN_EVERY must be a positive integer, got "${raw}"`);
  return n;
}

/**
 * The runtime settings of this app. Unigrams: on a few hundred annotations bigrams add features
 * faster than evidence (bench/text-classifier.mjs measures accuracy against scikit-learn's 1–3-grams).
 * C = 100: rows are l2-normalised counts without IDF, which want weaker regularisation than TF-IDF.
 */
export const TEXT_CLASSIFIER_RUNTIME: TfjsRuntimeSettings = Object.freeze({
  vectorizer: Object.freeze({ dims: 1 << 18, ngramRange: [1, 1] as [number, number] }),
  c: 100,
});

/** Options of `textClassifier`. */
export interface TextClassifierOptions {
  /** Annotations between automatic trainings (default: TRAIN_EVERY, else 10). */
  readonly trainEvery?: number;
  /** More runtime settings (threads, C, features …) over `TEXT_CLASSIFIER_RUNTIME`. */
  readonly runtime?: TfjsRuntimeSettings;
}

/** The backend class, configurable (the demo and the benchmarks turn automatic training off). */
export function textClassifier(options: TextClassifierOptions = {}): BackendClass {
  return backend({
    name: 'TextClassifier',
    modelVersion: 'TextClassifier-v0',
    // One classifier per project: each project trains on its own annotations.
    runtime: () => tfjsRuntime({ ...TEXT_CLASSIFIER_RUNTIME, ...options.runtime }),
    head: choicesHead(),
    training: { trainEvery: options.trainEvery ?? trainEveryFromEnv() },
  });
}

/** What `lsml start src/model.ts` serves. */
const TextClassifier = textClassifier();
export default TextClassifier;
