// @lsml/transformers: transformers.js pipelines (@huggingface/transformers v3/v4, or @xenova/transformers
// v2) as Label Studio pre-annotators.

// Backend helper
export { DEFAULT_MODELS, TransformersBackend, createTaskMapping, transformersBackend, type TransformersBackendConfig } from './backend.js';

// Runtime: library detection, model sources, shared pipelines
export {
  LIBRARY_NAMES,
  getPipeline,
  loadTransformers,
  loadedPipelineCount,
  onnxRuntimeLocations,
  releaseAllPipelines,
  type LibraryName,
  type LoadTransformersOptions,
  type LoadedPipeline,
  type ModelSourceOptions,
  type PipelineRequest,
  type RuntimeLogger,
  type TransformersLibrary,
} from './runtime.js';
export { ModelLoadError, expectedFiles, isLocalModel, onnxFileName, type ExpectedFiles, type ModelDtype, type TransformersTask } from './model-files.js';
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

// Task mappings
export { batched, type BatchingOptions, type MappingContext, type PredictInput, type TaskMapping, type TaskPredictions } from './mappings/task-mapping.js';
export { LabelConfigMismatchError, lookupLabel, type LabelTarget } from './mappings/shared.js';
export {
  choicesPredictions,
  classifyTexts,
  textClassificationMapping,
  type ChoicesTarget,
  type LabelScore,
  type TextClassificationOptions,
} from './mappings/text-classification.js';
export {
  entityTypes,
  recognizeEntities,
  scoreTokens,
  spanPredictions,
  splitIntoWindows,
  tokenClassificationMapping,
  type SpanTarget,
  type TokenClassificationOptions,
} from './mappings/token-classification.js';
export { nliLabelIds, zeroShotMapping, zeroShotScores, type ZeroShotItem, type ZeroShotOptions, type ZeroShotTarget } from './mappings/zero-shot-classification.js';
export {
  buildPrompt,
  contextPrompt,
  fillTemplate,
  generateTexts,
  generationParams,
  textGenerationMapping,
  type GenerationItem,
  type GenerationParams,
  type TextAreaTarget,
  type TextGenerationOptions,
} from './mappings/text-generation.js';
export { classifyImages, imageClassificationMapping, type ImageClassificationOptions } from './mappings/image-classification.js';
export { detectObjects, objectDetectionMapping, rectanglePredictions, type Detection, type ObjectDetectionOptions, type RectangleTarget } from './mappings/object-detection.js';
export type { ImageOptions } from './mappings/task-images.js';

// Offsets and entity grouping (pure helpers)
export { alignTokens, pieceText, type CharSpan } from './text-offsets.js';
export { groupEntities, splitTag, type AggregationStrategy, type EntitySpan, type TokenScores } from './entity-grouping.js';
