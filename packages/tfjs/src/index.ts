// @lsml/tfjs: the TF.js adapter of the lsml contract — `tfjsRuntime(settings)`, a trainable text
// classifier that `backend({ runtime, head })` from @lsml/core serves.

// ---- The adapter (same nouns in every adapter package) ----------------------------------------------
export { tfjsRuntime, type TfjsTextRuntime, type TfjsTrainOutput } from './runtime.js';
export { TFJS_RUNTIME_DEFAULTS, type TfjsRuntimeSettings } from './settings.js';
export { TfjsError, type TfjsErrorCode } from './errors.js';
export { tfjsImageRuntime, type TfjsImageRuntime, type TfjsImageRuntimeSettings } from './image-runtime.js';
export {
  TFJS_IMAGE_FAMILIES,
  COCO_CLASSES,
  COCO_KEYPOINTS,
  decodeCenternet,
  decodeMovenet,
  decodeSelfie,
  type DecodeBoxesOptions,
  type TfjsImageFamily,
  type TfjsImageFamilyOutputs,
  type TfjsImageFamilySpec,
} from './image-models.js';

// ---- Framework utilities ----------------------------------------------------------------------------
/** TF.js itself (`@tensorflow/tfjs`), the copy this package initialises. */
export * as tf from '@tensorflow/tfjs';
export {
  initTfjs,
  getTfjsPlatform,
  parseBackendChoice,
  BACKEND_ENV_VAR,
  WASM_PATH_ENV_VAR,
  NATIVE_PACKAGES,
  type InitTfjsOptions,
  type NativePackage,
  type TfjsBackendChoice,
  type TfjsBackendName,
  type TfjsLogger,
  type TfjsPlatform,
} from './platform.js';
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
  MODEL_JSON,
  WEIGHTS_BIN,
  type LoadedModel,
  type LoadModelOptions,
  type ModelLocation,
  type SaveFilesOptions,
} from './file-io.js';
export {
  HashedNgramVectorizer,
  fnv1a32,
  DEFAULT_VECTORIZER_CONFIG,
  VECTORIZER_FILE,
  type SparseRows,
  type TextVectorizerConfig,
  type TextVectorizerJSON,
} from './text-vectorizer.js';
export { loadTextModel, saveTextModel } from './text-model-files.js';
export type { TextModel, TextTrainMetrics } from './text-model.js';
