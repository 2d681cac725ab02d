// @lsml/onnx: ONNX models through onnxruntime-node as runtimes of core's adapter contract.

// The runtime: onnxRuntime(settings) → a core Runtime for backend({ runtime, head })
export { onnxRuntime, type OnnxRuntime, type OnnxOutputKind } from './runtime.js';
export {
  DEFAULT_BATCHING,
  type OnnxRuntimeSettings,
  type OnnxCommonSettings,
  type OnnxClassesSettings,
  type OnnxSpansSettings,
  type OnnxBatchingSettings,
  type Featurize,
  type ScoreMode,
  type Tokenize,
  type TokenizedText,
  type TokenInputNames,
  type SpanAggregation,
} from './settings.js';
export { OnnxError, type OnnxErrorCode, type OnnxErrorDetails, type DeclaredTensor, type GivenTensor } from './errors.js';

// Featurisers
export { hashedBagOfWords, murmurhash3, sklearnTokens, type HashedBagOfWordsOptions } from './text-features.js';

// Framework utilities: sessions, execution providers, shared models, feeds and outputs
export { createSession, hasCudaBinaries, supportedProviders, type ExecutionProvider, type LoadedSession, type OnnxSessionOptions } from './session.js';
export {
  OnnxModel,
  loadOnnxModel,
  releaseAllModels,
  sharedModels,
  type OnnxBatchingOptions,
  type OnnxModelBatching,
  type LoadOnnxModelOptions,
  type OnnxModelStats,
  type OnnxRunOptions,
} from './onnx-model.js';
export type { PadValues } from './batch-tensors.js';
export { checkFeeds, formatShape, type Feeds, type TensorInfo } from './validate-feeds.js';
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
export { softmaxRows, toNumbers, toRows, topK, type Scored } from './outputs.js';
export { InferenceSession, Tensor } from 'onnxruntime-node';
