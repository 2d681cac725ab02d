// @lsml/transformers: transformers.js pipelines (@huggingface/transformers v3/v4, or @xenova/transformers
// v2) as an lsml runtime: `backend({ runtime: transformersRuntime({ task, model }), head })`.

// The runtime, its settings and its errors (the same nouns in every adapter)
export { transformersRuntime, type TransformersRuntime } from './runtime.js';
export {
  DEFAULT_BATCHING,
  DEFAULT_MODELS,
  TASK_KINDS,
  type GenerationParams,
  type ObjectDetectionOptions,
  type TaskInputKind,
  type TaskKinds,
  type TaskOptions,
  type TaskOutputKind,
  type TextGenerationOptions,
  type TokenClassificationOptions,
  type TransformersModelSettings,
  type TransformersRuntimeSettings,
  type ZeroShotOptions,
} from './settings.js';
export { TransformersError, type ModelLoadDetails, type TransformersErrorCode } from './errors.js';

// Framework utilities: the library, model files and shared pipelines, for code that needs
// transformers.js itself (tests, benchmarks, preloading)
export { LIBRARY_NAMES, loadTransformers, onnxRuntimeLocations, type LibraryName, type LoadTransformersOptions, type TransformersLibrary } from './library.js';
export {
  getPipeline,
  loadedPipelineCount,
  releaseAllPipelines,
  retainPipeline,
  type LoadedPipeline,
  type ModelSourceOptions,
  type PipelineRequest,
} from './pipelines.js';
export { expectedFiles, isLocalModel, onnxFileName, type ExpectedFiles, type ModelDtype, type TransformersTask } from './model-files.js';
export type {
  ImageProcessorLike,
  ModelConfigLike,
  ModelLike,
  PipelineLike,
  RawImageLike,
  TensorLike,
  TokenizerLike,
  TransformersModule,
} from './library-types.js';
