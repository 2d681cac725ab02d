// Settings of `tfjsRuntime` and their defaults.
import type { LoadModelOptions, ModelLocation } from './file-io.js';
import type { TfjsBackendChoice } from './platform.js';
import type { TextVectorizerConfig } from './text-vectorizer.js';

/**
 * Settings of `tfjsRuntime`: a text classifier (Choices ← Text) that trains on annotations.
 *
 * ```ts
 * tfjsRuntime({ labels: ['ham', 'spam'], vectorizer: { ngramRange: [1, 1] }, c: 10 });
 * tfjsRuntime({ model: './models/spam' }); // serve (and keep training) a saved classifier
 * ```
 */
export interface TfjsRuntimeSettings {
  /**
   * A saved text classifier to serve from the start: a folder with model.json + weights.bin +
   * vectorizer.json (what `save` writes), its model.json, or an http(s) URL of it. Omit to start
   * untrained (`run` then throws `not_loaded` until `train` or `restore`).
   */
  readonly model?: ModelLocation;
  /** Options of http(s) model downloads (headers, fetch). */
  readonly modelRequest?: LoadModelOptions;
  /** The default `model_version` (default: the model folder's name, else `tfjs-text-classifier`). */
  readonly modelId?: string;
  /** Classes to learn when `train` is not given the label config's (default: the examples' labels, sorted). */
  readonly labels?: readonly string[];
  /** Hashed n-gram features (default: 2^18 buckets, unigrams + bigrams, sublinear tf, l2 rows). */
  readonly vectorizer?: Partial<TextVectorizerConfig>;
  /** Inverse L2 strength of the logistic regression, as scikit-learn's `C` (default 100: rows are l2-normalised
   * without IDF, so weaker regularisation than scikit-learn's TF-IDF example fits best; see bench/text-classifier.mjs). */
  readonly c?: number;
  /** L-BFGS iterations at most per fit (default 100, scikit-learn's `max_iter`). */
  readonly maxIterations?: number;
  /** Fit a softmax temperature on held-out examples so that scores are calibrated (default true). */
  readonly calibrate?: boolean;
  /** Share held out for calibration and `valAccuracy` when there are ≥ 100 examples (default 0.2). */
  readonly validationSplit?: number;
  /** Seed of the held-out split (default 42), so retraining holds out the same examples. */
  readonly seed?: number;
  /** Continue from the served model's weights when labels and features are unchanged (default true). */
  readonly warmStart?: boolean;
  /**
   * Worker threads for vectorising, scoring and training (default: core's `createThreadPool` default,
   * CPU cores − 1, at least 1; one pool shared by every runtime with the same count). `0` runs on the
   * event loop in chunks of `chunkSize` texts, yielding between chunks.
   */
  readonly threads?: number;
  /** Texts per worker task / per event-loop slice (default 500). */
  readonly chunkSize?: number;
  /** TF.js backend used to write model files (default `auto`, or `LSML_TFJS_BACKEND`). */
  readonly backend?: TfjsBackendChoice;
}

/** The defaults `tfjsRuntime` applies. */
export const TFJS_RUNTIME_DEFAULTS: Readonly<{
  /** `modelId` without a `model`. */
  modelId: string;
  /** Features: 2^18 hash buckets, unigrams + bigrams (the rest as `DEFAULT_VECTORIZER_CONFIG`). */
  vectorizer: Readonly<Pick<TextVectorizerConfig, 'dims' | 'ngramRange'>>;
  /** Inverse L2 strength. */
  c: number;
  /** L-BFGS iterations per fit. */
  maxIterations: number;
  /** Fit a temperature. */
  calibrate: boolean;
  /** Share held out. */
  validationSplit: number;
  /** Seed of the held-out split. */
  seed: number;
  /** Continue from the served model. */
  warmStart: boolean;
  /** Texts per worker task. */
  chunkSize: number;
}> = Object.freeze({
  modelId: 'tfjs-text-classifier',
  vectorizer: Object.freeze({ dims: 1 << 18, ngramRange: [1, 2] as [number, number] }),
  c: 100,
  maxIterations: 100,
  calibrate: true,
  validationSplit: 0.2,
  seed: 42,
  warmStart: true,
  chunkSize: 500,
});
