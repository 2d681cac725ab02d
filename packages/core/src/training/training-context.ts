import type { Logger } from 'pino';
import type { LabelStudioClient } from '../label-studio/label-studio-client.js';
import type { TrainingEvent, TrainingJob } from './training-job.js';

/** What `train()` gets: the events, a directory for the new version, progress and cancellation. */
export interface TrainingContext {
  job: TrainingJob;
  projectId: string;
  /** The webhook payloads folded into this job, oldest first. */
  events: TrainingEvent[];
  /** Write the new version's files here; on success they move atomically to `MODEL_DIR/<project>/<version>/`. */
  artifactDir: string;
  previousVersion: string;
  /** The version this job will publish (a minor bump of `previousVersion`). */
  nextVersion: string;
  /** Files of the version serving now, if it came from training (to fine-tune from). */
  previousArtifactDir: string | null;
  /** Aborted when the job is canceled or the process shuts down: stop and throw. */
  signal: AbortSignal;
  /** Report 0–100 and a message; visible in `POST /job_status` and the logs. */
  progress(percent: number, message?: string): Promise<void>;
  /** The Label Studio API (`LABEL_STUDIO_URL` + `LABEL_STUDIO_API_KEY`) to page through annotated tasks. */
  labelStudio(): LabelStudioClient;
  logger: Logger;
}

/** When annotation webhooks turn into training jobs. */
export interface TrainingPolicy {
  /** Train after this many new annotations (default 1: every event, coalesced by the queue). */
  trainEvery?: number;
  /** Train on Label Studio's "Start Training" button (START_TRAINING; default true). */
  onStartTraining?: boolean;
  /** Events that count as new annotations (default ANNOTATION_CREATED, ANNOTATION_UPDATED, ANNOTATIONS_CREATED). */
  countEvents?: readonly string[];
}

/** The training policy of a backend class that sets none: a job per annotation event, and on *Start Training*. */
export const DEFAULT_TRAINING_POLICY: Required<TrainingPolicy> = {
  trainEvery: 1,
  onStartTraining: true,
  countEvents: ['ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATIONS_CREATED'],
};

/** What `fit` returns (and `/webhook` sends as `result`) when it schedules or skips training. */
export interface ScheduledTraining {
  /** The job id (also sent as the top-level `job` of the webhook answer, which LS records). */
  job?: string;
  job_status?: 'queued' | 'started' | 'finished' | 'failed';
  /** True when the event joined a job that was already waiting. */
  coalesced?: boolean;
  /** `skipped`: not enough new annotations yet. */
  status: 'scheduled' | 'skipped';
  annotations_since_training?: number;
  train_every?: number;
}

/** The model's link to the queue; the server injects it. */
export interface TrainingScheduler {
  /** Queue a training job for the event (coalesced per project). */
  schedule(
    projectId: string,
    labelConfig: string | null,
    event: string,
    data: unknown,
    options?: { weight?: number; threshold?: number },
  ): Promise<ScheduledTraining>;
}

/** The artifacts of the version serving now (state key `model_artifacts`). */
export interface ModelArtifacts {
  version: string;
  dir: string;
}
