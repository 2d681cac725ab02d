// Subpath entry `@lsml/core/testing`: the one copy of the Label Studio object builders (projects,
// tasks, annotations, webhook and request bodies, interactive contexts) that every test in the
// repository, the e2e harness and `@lsml/testing` use. Plain data builders: no server, no I/O.
export {
  KIT_PROJECT_CREATED_AT,
  annotationWebhook,
  choicesResult,
  interactiveContext,
  isTaskLike,
  lsAnnotation,
  lsProject,
  lsTask,
  predictRequest,
  projectUid,
  setupRequest,
  startTrainingWebhook,
  toLsTasks,
  type AnnotationAction,
  type LsAnnotation,
  type LsProject,
  type LsTask,
  type LsTaskOptions,
  type SetupRequestOptions,
} from './label-studio-objects.js';
// The one I/O piece: a Label Studio API stand-in (node:http on an ephemeral port) for tests and benches.
export {
  startLabelStudioStandIn,
  type LabelStudioStandIn,
  type LabelStudioStandInOptions,
  type StandInFaults,
  type StandInPrediction,
  type StandInTask,
} from './label-studio-stand-in.js';
export { captureLogs, type CapturedLogLine } from './capture-logs.js';
