import { LsmlError } from '../errors.js';
import type { WebhookData } from '../protocol/types.js';

/** The states Label Studio's `job_status` poll understands (§5.2, §5.7). */
export type JobStatus = 'queued' | 'started' | 'finished' | 'failed';

/** One webhook delivery folded into a job. */
export interface TrainingEvent {
  event: string;
  data: WebhookData;
  receivedAt: string;
}

/** One training run of a project, as the queue stores it and `POST /job_status` reports it. */
export interface TrainingJob {
  /** The queue's id for the job (the `job` of `/job_status`). */
  id: string;
  /** The Label Studio project the events came from. */
  projectId: string;
  /** Where the job is in its life: queued → started → finished | failed. */
  status: JobStatus;
  /** 0–100. */
  progress: number;
  /** The last progress message, if any. */
  message: string | null;
  /** The label config the events came with (the webhook's `project.label_config`). */
  labelConfig: string | null;
  /** Every webhook payload coalesced into this job, oldest first. */
  events: TrainingEvent[];
  /** How many times a worker has started the job (a requeued job runs again). */
  attempts: number;
  /** ISO timestamp of when the job was queued. */
  createdAt: string;
  /** ISO timestamp of the latest start, null while queued. */
  startedAt: string | null;
  /** ISO timestamp of when it finished or failed. */
  finishedAt: string | null;
  /** The version this job produced (set when it finishes). */
  modelVersion: string | null;
  /** What `train()` returned (stored as `train_output`). */
  result: unknown;
  /** Why the job failed (the error's message), null otherwise. */
  error: string | null;
}

/** Options of {@link TrainingQueue.submit}. */
export interface SubmitOptions {
  /** How many annotations the event carries (a bulk ANNOTATIONS_CREATED carries several; default 1). */
  weight?: number;
  /**
   * Queue a job only once the project's recorded events weigh this much (default 1: at once). Until
   * then the event is kept in the project's backlog, and the next job gets every backlogged event.
   */
  threshold?: number;
  /**
   * A short job independent of every other (a bulk prediction chunk): a worker may run several side by
   * side (BullMQ: `LSML_PARALLEL_JOBS`, default 2), so the model is not idle while one chunk finishes
   * and the next starts. Training jobs run one at a time. The embedded queue runs every job in turn.
   */
  parallel?: boolean;
}

/** What {@link TrainingQueue.submit} did with the event. */
export interface SubmitResult {
  /** The waiting job the event joined, or null while the backlog is below the threshold. */
  job: TrainingJob | null;
  /** True when the event joined a job that was already waiting. */
  coalesced: boolean;
  /** Weight of the backlog after this event (0 once it went into a job). */
  pending: number;
}

/** What a {@link JobProcessor} gets to cooperate with the queue while it runs a job. */
export interface JobControl {
  /** Aborted when the job is canceled or the queue closes; stop work and throw when it fires. */
  signal: AbortSignal;
  /** Record progress (0–100) and an optional message; `/job_status` reports them. */
  progress(percent: number, message?: string): Promise<void>;
  /**
   * Whether this run still holds its claim on the job (BullMQ: the job lock still carries this worker's
   * token; embedded: the lease row is still this worker's, same attempt). False once the claim lapsed —
   * a stalled but living worker — so another run of the job may have started meanwhile. Absent: unknown.
   */
  holdsClaim?(): Promise<boolean>;
}

/** What a {@link JobProcessor} returns when a job succeeds. */
export interface JobOutcome {
  /** What training returned (stored as the job's `result`). */
  result: unknown;
  /** The model version the job produced, if any. */
  modelVersion: string | null;
}

/** Runs one job (train, save, publish the version); a throw fails the job. */
export type JobProcessor = (job: TrainingJob, control: JobControl) => Promise<JobOutcome>;

/**
 * Where training jobs wait and run. Jobs are coalesced per project: at most one running and one
 * waiting; new events join the waiting job.
 */
export interface TrainingQueue {
  readonly kind: 'embedded' | 'bullmq';
  /** Record the event; queue (or join) the project's waiting job once the backlog reaches the threshold. */
  submit(projectId: string, labelConfig: string | null, event: TrainingEvent, options?: SubmitOptions): Promise<SubmitResult>;
  /** The job with this id, or null when the queue does not know it. */
  getJob(id: string): Promise<TrainingJob | null>;
  /** Every known job, or only the project's, oldest first. */
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

/** Thrown into a running job's processor when the job is canceled (409). */
export class JobCanceledError extends LsmlError {
  constructor(message = 'Training was canceled') {
    super('job_canceled', message, { status: 409 });
    this.name = 'JobCanceledError';
  }
}

/**
 * A run of a job found that it no longer holds its claim (a stalled worker whose lock or lease lapsed):
 * another run has the job, so this one stops, and the queue leaves the job's state to that run.
 */
export class JobClaimLostError extends LsmlError {
  constructor(message = 'This run lost its claim on the job: another run has it') {
    super('job_claim_lost', message, { status: 409 });
    this.name = 'JobClaimLostError';
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
