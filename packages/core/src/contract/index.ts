// The adapter contract: runtimes (per framework, in adapter packages) × task heads (per control family, here).
export type { TextInput, ResponseSchema, ImageInput, ImageTransform, ImageInputSpec, RuntimeInput, InputKind, InputOf } from './inputs.js';
export type {
  ScoredLabel,
  ClassesOutput,
  Span,
  SpansOutput,
  Box,
  BoxesOutput,
  Keypoint,
  KeypointInstance,
  KeypointsOutput,
  Mask,
  MasksOutput,
  GeneratedText,
  TextBox,
  TextOutput,
  RuntimeOutput,
  OutputKind,
  OutputOf,
} from './outputs.js';
export {
  isTrainableRuntime,
  type ModelSource,
  type RuntimeLogger,
  type RuntimeCapabilities,
  type RuntimeInfo,
  type RunOptions,
  type LoadOptions,
  type Runtime,
  type TrainingExample,
  type RuntimeTrainOptions,
  type TrainableRuntime,
} from './runtime.js';
export type { HeadBinding, HeadRequest, BoundHead, TaskHead } from './head.js';
export { backend, EXAMPLE_KEY_PREFIX, type BackendOptions, type RuntimeProject, type StoredExample } from './backend.js';

// Shared helpers: one copy each for every head and adapter.
export { textOf } from './text.js';
export { findConfigLabel, mapLabels, type LabelMapping } from './labels.js';
export { softmax, sigmoid, argmax, isProbabilityRow } from './math.js';
export { tokenize, type TokenizeOptions } from './tokenize.js';
export { groupEntities, splitTag, entityTypes, type AggregationStrategy, type CharSpan, type EntitySpan, type TokenScores } from './entity-grouping.js';
