// @lsml/testing: prove that a Label Studio ML backend speaks the protocol, the way Label Studio uses it.
export { startBackend, resolveLsmlCli, type RunningBackend, type StartBackendOptions } from './start-backend.js';
export {
  protocolCases,
  replayConformanceCases,
  type CaseOutcome,
  type ConformanceReport,
  type ProtocolCase,
  type ReplayOptions,
} from './conformance.js';
export { simulateLabelStudio, type SimulatedAnnotation, type SimulateOptions, type SimulationReport, type SimulationStep } from './simulate.js';
export { checkPredictions, type CheckPredictionsOptions, type CheckPredictionsResult } from './check-predictions.js';
export { lsAnnotation, lsProject, lsTask, projectUid, toLsTasks } from './label-studio-objects.js';
export { basicAuthHeader, joinUrl, request, type BackendTarget, type BasicAuth, type KitRequest, type KitResponse } from './http.js';
export { KitError } from './kit-error.js';
export {
  runtimeConformance,
  runtimeChecks,
  outputProblems,
  type RuntimeConformanceFixtures,
  type RuntimeCheck,
  type MakeRuntime,
} from './runtime-conformance.js';
