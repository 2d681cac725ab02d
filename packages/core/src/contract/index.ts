// The adapter contract: runtimes (per framework, in adapter packages) × task heads (per control family, here).
export type { TextInput, ImageInput, ImageTransform, ImageInputSpec, RuntimeInput, InputKind, InputOf } from './inputs.js';
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
export type { BackendOptions, RuntimeProject } from './backend.js';
