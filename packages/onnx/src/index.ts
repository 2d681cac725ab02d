// @lsml/onnx: serve ONNX models with onnxruntime-node in Label Studio ML backends.

// Runtime: sessions, options, execution providers
export {
  createSession,
  hasCudaBinaries,
  supportedProviders,
  OnnxLoadError,
  OnnxProviderError,
  type ExecutionProvider,
  type LoadedSession,
  type ModelSource,
  type OnnxSessionOptions,
} from './runtime.js';

// Models: shared per file, checked runs, micro-batched predictions
export {
  OnnxModel,
  loadOnnxModel,
  releaseAllModels,
  sharedModels,
  type BatchingOptions,
  type LoadOnnxModelOptions,
  type OnnxModelStats,
  type RunOptions,
} from './onnx-model.js';
export type { PadValues } from './batch-tensors.js';
export { checkFeeds, formatShape, OnnxInputError, type Feeds, type TensorInfo } from './validate-feeds.js';

// Feeds and outputs
export {
  attentionMask,
  float32Rows,
  float32Tensor,
  int64Tensor,
  padSequences,
  tokenFeeds,
  type PadOptions,
  type PadSide,
  type PaddedSequences,
  type TokenFeedOptions,
} from './feeds.js';
export { argmax, isProbabilityRow, sigmoid, softmax, softmaxRows, toNumbers, toRows, topK, type Scored } from './outputs.js';
export { hashedBagOfWords, murmurhash3, tokenize, type HashedBagOfWordsOptions } from './text-features.js';

// Backend helper
export { OnnxClassifierBackend, onnxClassifier, type OnnxClassifierConfig, type ScoreMode } from './backend.js';

// onnxruntime's own types, so backends need one import
export { InferenceSession, Tensor } from 'onnxruntime-node';
