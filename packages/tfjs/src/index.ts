// @lsml/tfjs: TF.js models that load, predict, train on annotations and save, in Label Studio ML backends.
export * as tf from '@tensorflow/tfjs';

export {
  initTfjs,
  getTfjsRuntime,
  parseBackendChoice,
  TfjsBackendError,
  BACKEND_ENV_VAR,
  WASM_PATH_ENV_VAR,
  NATIVE_PACKAGES,
  type InitTfjsOptions,
  type NativePackage,
  type TfjsBackendChoice,
  type TfjsBackendName,
  type TfjsLogger,
  type TfjsRuntime,
} from './runtime.js';

export {
  fileSystem,
  loadModel,
  loadLayersModel,
  loadGraphModel,
  loadModelArtifacts,
  readModelArtifacts,
  saveModel,
  writeDirAtomic,
  registerFileSystemRouters,
  resolveModelPath,
  isHttpSource,
  ModelFileError,
  MODEL_JSON,
  WEIGHTS_BIN,
  type LoadedModel,
  type LoadModelOptions,
  type ModelSource,
  type SaveFilesOptions,
} from './file-io.js';

export {
  trainModel,
  splitTrainValidation,
  seededPermutation,
  formatProgressBar,
  type EarlyStoppingOptions,
  type TrainMetrics,
  type TrainOptions,
  type TrainProgress,
} from './train.js';

export {
  HashedNgramVectorizer,
  tokenize,
  fnv1a32,
  DEFAULT_VECTORIZER_CONFIG,
  VECTORIZER_FILE,
  type TextVectorizerConfig,
  type TextVectorizerJSON,
} from './text-vectorizer.js';

export {
  TextClassifier,
  fitTemperature,
  type ClassPrediction,
  type ClassifierTrainOptions,
  type ClassifierTrainResult,
  type TextClassifierOptions,
  type TextExample,
} from './text-classifier.js';

export { TfjsTextClassifier, EXAMPLES_KEY, type ChoicesTextTag, type TrainClassifierOptions, type TfjsTrainOutput } from './backend.js';
