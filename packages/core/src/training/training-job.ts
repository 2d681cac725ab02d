import type { WebhookData } from '../protocol/types.js';

/** The states Label Studio's `job_status` poll understands (§5.2, §5.7). */
export type JobStatus = 'queued' | 'started' | 'finished' | 'failed';

/** One webhook delivery folded into a job. */
export interface TrainingEvent {
  event: string;
  data: WebhookData;
  receivedAt: string;
}

/** A training job as queues store it and `/job_status` reports it. */
export interface TrainingJob {
  id: string;
  projectId: string;
  status: JobStatus;
  /** 0–100. */
  progress: number;
  message: string | null;
  /** The label config the events came with (the webhook's `project.label_config`). */
  labelConfig: string | null;
  /** Every webhook payload coalesced into this job, oldest first. */
  events: TrainingEvent[];
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The version this job produced (set when it finishes). */
  modelVersion: string | null;
  /** What `train()` returned (stored as `train_output`). */
  result: unknown;
  error: string | null;
}

/** Options of `TrainingQueue.submit`. */
export interface SubmitOptions {
  /** How many annotations the event carries (a bulk ANNOTATIONS_CREATED carries several; default 1). */
  weight?: number;
  /**
   * Queue a job only once the project's recorded events weigh this much (default 1: at once). Until
   * then the event is kept in the project's backlog, and the next job gets every backlogged event.
   */
  threshold?: number;
}

/** What `TrainingQueue.submit` did with an event. */
export interface SubmitResult {
  /** The waiting job the event joined, or null while the backlog is below the threshold. */
  job: TrainingJob | null;
  /** True when the event joined a job that was already waiting. */
  coalesced: boolean;
  /** Weight of the backlog after this event (0 once it went into a job). */
  pending: number;
}

/** What a {@link JobProcessor} gets besides the job: an abort signal and a progress reporter. */
export interface JobControl {
  signal: AbortSignal;
  /** Report progress (0–100) and a message, shown by `/job_status`. */
  progress(percent: number, message?: string): Promise<void>;
}

/** What a finished job produced: `train()`'s result and the version it made current (null: none). */
export interface JobOutcome {
  result: unknown;
  modelVersion: string | null;
}

/** Runs one training job (the server's `train()` call, moving the artifacts into `MODEL_DIR`). */
export type JobProcessor = (job: TrainingJob, control: JobControl) => Promise<JobOutcome>;

/**
 * Where training jobs wait and run. Jobs are coalesced per project: at most one running and one
 * waiting; new events join the waiting job.
 */
export interface TrainingQueue {
  readonly kind: 'embedded' | 'bullmq';
  /** Record the event; queue (or join) the project's waiting job once the backlog reaches the threshold. */
  submit(projectId: string, labelConfig: string | null, event: TrainingEvent, options?: SubmitOptions): Promise<SubmitResult>;
  /** The job with this id, or null. */
  getJob(id: string): Promise<TrainingJob | null>;
  /** Every job, or the project's, oldest first. */
  listJobs(projectId?: string): Promise<TrainingJob[]>;
  /** How many jobs are in each status (for metrics). */
  countJobs(): Promise<Partial<Record<JobStatus, number>>>;
  /** Cancel a waiting job, or abort a running one in this process. The job ends `failed`. */
  cancel(id: string): Promise<boolean>;
  /** Start running jobs in this process with `processor`. */
  startWorker(processor: JobProcessor): void;
  /** Stop taking jobs; abort and requeue what runs here; release connections. */
  close(): Promise<void>;
}

/**
 * Thrown inside `train()` (through the job's signal) when its job is canceled; the previous version keeps serving.
 */
export class JobCanceledError extends Error {
  constructor(message = 'Training was canceled') {
    super(message);
    this.name = 'JobCanceledError';
  }
}

/** The `POST /job_status` answer: LS reads `job_status`; the rest is for people and dashboards. */
export function jobStatusBody(job: TrainingJob): Record<string, unknown> {
  return {
    job: job.id,
    job_status: job.status,
    project: job.projectId,
    progress: job.progress,
    message: job.message,
    events: job.events.length,
    attempts: job.attempts,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    model_version: job.modelVersion,
    result: job.result ?? null,
    error: job.error,
  };
}
