import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import {
  JobCanceledError,
  JobClaimLostError,
  type JobProcessor,
  type JobStatus,
  type SubmitOptions,
  type SubmitResult,
  type TrainingEvent,
  type TrainingJob,
  type TrainingQueue,
} from './training-job.js';

/** Options of {@link SqliteTrainingQueue}. */
export interface SqliteTrainingQueueOptions {
  /** Database file (normally `MODEL_DIR/cache.db`, beside the state) or `:memory:`. */
  file: string;
  /** A running job's claim lasts this long unless renewed; an expired claim means its worker died. */
  leaseMs?: number;
  /** How often an idle worker looks for work (submits in this process wake it at once). */
  pollMs?: number;
  /** Runs per job, counting the first; a job interrupted more often ends `failed`. */
  maxAttempts?: number;
  logger?: Logger;
}

interface JobRow {
  id: string;
  project_id: string;
  status: JobStatus;
  progress: number;
  message: string | null;
  label_config: string | null;
  events: string;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  model_version: string | null;
  result: string | null;
  error: string | null;
  worker: string | null;
  lease_until: number | null;
}

const now = () => new Date().toISOString();

function toJob(row: JobRow): TrainingJob {
  return {
    id: row.id,
    projectId: row.project_id,
    status: row.status,
    progress: row.progress,
    message: row.message,
    labelConfig: row.label_config,
    events: JSON.parse(row.events) as TrainingEvent[],
    attempts: row.attempts,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    modelVersion: row.model_version,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    error: row.error,
  };
}

/**
 * The embedded queue: jobs live in the SQLite state file, so a restart resumes waiting jobs and
 * re-runs (or, after `maxAttempts`, fails) a job that was running when the process died. Claims are
 * leases renewed while a job runs, so several processes may share the file safely.
 */
export class SqliteTrainingQueue implements TrainingQueue {
  readonly kind = 'embedded' as const;
  private readonly db: Database.Database;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger: Logger | undefined;
  private processor: JobProcessor | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: { id: string; abort: AbortController; done: Promise<void> } | undefined;
  private closed = false;

  constructor(options: SqliteTrainingQueueOptions) {
    if (options.file !== ':memory:') fs.mkdirSync(path.dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 500;
    this.maxAttempts = options.maxAttempts ?? 2;
    this.logger = options.logger;
    this.db.exec(`CREATE TABLE IF NOT EXISTS lsml_jobs (
      id TEXT PRIMARY KEY,
      project_id TEXT NOT NULL,
      status TEXT NOT NULL,
      progress REAL NOT NULL DEFAULT 0,
      message TEXT,
      label_config TEXT,
      events TEXT NOT NULL DEFAULT '[]',
      attempts INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      started_at TEXT,
      finished_at TEXT,
      model_version TEXT,
      result TEXT,
      error TEXT,
      worker TEXT,
      lease_until INTEGER
    );
    CREATE INDEX IF NOT EXISTS lsml_jobs_project_status ON lsml_jobs (project_id, status);
    CREATE TABLE IF NOT EXISTS lsml_backlog (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      project_id TEXT NOT NULL,
      weight INTEGER NOT NULL,
      event TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS lsml_backlog_project ON lsml_backlog (project_id, seq);
    CREATE TABLE IF NOT EXISTS lsml_backlog_weight (project_id TEXT PRIMARY KEY, total INTEGER NOT NULL);`);
  }

  /**
   * Record the event in the project's backlog; once the backlog reaches the threshold, move all of it
   * into the waiting job (opening one if none waits). One transaction: no double jobs, no lost counts.
   */
  async submit(projectId: string, labelConfig: string | null, event: TrainingEvent, options: SubmitOptions = {}): Promise<SubmitResult> {
    const weight = Math.max(0, Math.floor(options.weight ?? 1));
    const threshold = Math.max(1, Math.floor(options.threshold ?? 1));
    const tx = this.db.transaction((): SubmitResult => {
      this.db.prepare('INSERT INTO lsml_backlog (project_id, weight, event) VALUES (?, ?, ?)').run(projectId, weight, JSON.stringify(event));
      // A running total: summing the backlog on every event would grow with it.
      const { total } = this.db
        .prepare<[string, number], { total: number }>(
          'INSERT INTO lsml_backlog_weight (project_id, total) VALUES (?, ?) ON CONFLICT (project_id) DO UPDATE SET total = total + excluded.total RETURNING total',
        )
        .get(projectId, weight)!;
      if (total < threshold) return { job: null, coalesced: false, pending: total };
      const backlog = this.db
        .prepare<[string], { event: string }>('SELECT event FROM lsml_backlog WHERE project_id = ? ORDER BY seq')
        .all(projectId)
        .map((r) => JSON.parse(r.event) as TrainingEvent);
      this.db.prepare('DELETE FROM lsml_backlog WHERE project_id = ?').run(projectId);
      this.db.prepare('DELETE FROM lsml_backlog_weight WHERE project_id = ?').run(projectId);
      const waiting = this.db
        .prepare<[string], { id: string; events: string }>(
          "SELECT id, events FROM lsml_jobs WHERE project_id = ? AND status = 'queued' ORDER BY created_at LIMIT 1",
        )
        .get(projectId);
      if (waiting) {
        const events = [...(JSON.parse(waiting.events) as TrainingEvent[]), ...backlog];
        this.db
          .prepare('UPDATE lsml_jobs SET events = ?, label_config = coalesce(?, label_config) WHERE id = ?')
          .run(JSON.stringify(events), labelConfig, waiting.id);
        return { job: this.mustGet(waiting.id), coalesced: true, pending: 0 };
      }
      const id = randomUUID();
      this.db
        .prepare('INSERT INTO lsml_jobs (id, project_id, status, label_config, events, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, projectId, 'queued', labelConfig, JSON.stringify(backlog), now());
      return { job: this.mustGet(id), coalesced: false, pending: 0 };
    });
    const result = tx.immediate();
    if (result.job) this.wake();
    return result;
  }

  async getJob(id: string): Promise<TrainingJob | null> {
    const row = this.db.prepare<[string], JobRow>('SELECT * FROM lsml_jobs WHERE id = ?').get(id);
    return row ? toJob(row) : null;
  }

  async listJobs(projectId?: string): Promise<TrainingJob[]> {
    const rows =
      projectId === undefined
        ? this.db.prepare<[], JobRow>('SELECT * FROM lsml_jobs ORDER BY created_at').all()
        : this.db.prepare<[string], JobRow>('SELECT * FROM lsml_jobs WHERE project_id = ? ORDER BY created_at').all(projectId);
    return rows.map(toJob);
  }

  async countJobs(): Promise<Partial<Record<JobStatus, number>>> {
    const rows = this.db.prepare<[], { status: JobStatus; n: number }>('SELECT status, count(*) AS n FROM lsml_jobs GROUP BY status').all();
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async cancel(id: string): Promise<boolean> {
    if (this.running?.id === id) {
      this.running.abort.abort(new JobCanceledError());
      await this.running.done;
      return true;
    }
    const r = this.db
      .prepare("UPDATE lsml_jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND status = 'queued'")
      .run('Training was canceled', now(), id);
    return r.changes > 0;
  }

  startWorker(processor: JobProcessor): void {
    this.processor = processor;
    this.recover(true);
    this.wake();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const running = this.running;
    if (running) {
      // Shutting down is not the job's fault: put it back without spending an attempt.
      running.abort.abort(new Error('shutdown'));
      await running.done;
    }
    this.db.close();
  }

  private mustGet(id: string): TrainingJob {
    return toJob(this.db.prepare<[string], JobRow>('SELECT * FROM lsml_jobs WHERE id = ?').get(id)!);
  }

  private wake(): void {
    if (!this.processor || this.closed || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  private schedule(delayMs = this.pollMs): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.closed || this.running || !this.processor) return;
    let ran = false;
    try {
      this.recover(false);
      const job = this.claim();
      if (job) {
        ran = true;
        await this.run(job, this.processor);
      }
    } catch (err) {
      this.logger?.error({ err }, 'Training queue error');
    }
    // After a job, look again at once: more may be waiting (a bulk job's chunks are hundreds of jobs,
    // and a poll interval between them left the model idle most of the time). Idle: poll.
    if (!this.closed) this.schedule(ran ? 0 : this.pollMs);
  }

  /** Oldest waiting job of a project that has nothing running; claimed under a lease. */
  private claim(): TrainingJob | null {
    const tx = this.db.transaction((): TrainingJob | null => {
      const row = this.db
        .prepare<[], { id: string }>(
          `SELECT id FROM lsml_jobs q WHERE status = 'queued'
             AND NOT EXISTS (SELECT 1 FROM lsml_jobs r WHERE r.project_id = q.project_id AND r.status = 'started')
           ORDER BY created_at LIMIT 1`,
        )
        .get();
      if (!row) return null;
      this.db
        .prepare(
          "UPDATE lsml_jobs SET status = 'started', attempts = attempts + 1, started_at = ?, worker = ?, lease_until = ?, progress = 0, message = NULL WHERE id = ?",
        )
        .run(now(), this.workerId, Date.now() + this.leaseMs, row.id);
      return this.mustGet(row.id);
    });
    return tx.immediate();
  }

  private async run(job: TrainingJob, processor: JobProcessor): Promise<void> {
    const abort = new AbortController();
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    this.running = { id: job.id, abort, done };
    const renew = setInterval(() => {
      this.db.prepare('UPDATE lsml_jobs SET lease_until = ? WHERE id = ? AND worker = ?').run(Date.now() + this.leaseMs, job.id, this.workerId);
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    renew.unref();
    this.logger?.info({ job: job.id, project: job.projectId, events: job.events.length, attempt: job.attempts }, 'Training job started');
    try {
      const outcome = await processor(job, {
        signal: abort.signal,
        progress: async (percent, message) => {
          const p = Math.max(0, Math.min(100, Number.isFinite(percent) ? percent : 0));
          this.db.prepare('UPDATE lsml_jobs SET progress = ?, message = coalesce(?, message) WHERE id = ?').run(p, message ?? null, job.id);
          this.logger?.info({ job: job.id, project: job.projectId, progress: p, message }, 'Training progress');
        },
        // A lease that lapsed was requeued (worker NULL) and maybe claimed again (another worker, or this
        // one with the next attempt).
        holdsClaim: async () => {
          const row = this.db.prepare<[string], Pick<JobRow, 'worker' | 'status' | 'attempts'>>('SELECT worker, status, attempts FROM lsml_jobs WHERE id = ?').get(job.id);
          return row?.worker === this.workerId && row.status === 'started' && row.attempts === job.attempts;
        },
      });
      this.db
        .prepare(
          "UPDATE lsml_jobs SET status = 'finished', progress = 100, finished_at = ?, model_version = ?, result = ?, lease_until = NULL WHERE id = ?",
        )
        .run(now(), outcome.modelVersion, JSON.stringify(outcome.result ?? null), job.id);
      this.logger?.info({ job: job.id, project: job.projectId, model_version: outcome.modelVersion }, 'Training job finished');
    } catch (err) {
      if (err instanceof JobClaimLostError) {
        // Stalled past its lease: the row is another run's now.
        this.logger?.warn({ job: job.id, project: job.projectId }, 'Job lost to another run while this one stalled; it stopped and leaves the job to that run');
      } else if (abort.signal.aborted && !(abort.signal.reason instanceof JobCanceledError)) {
        this.requeue(job.id, 'requeued: the process shut down during training', true);
        this.logger?.warn({ job: job.id }, 'Training job interrupted by shutdown; it will run again');
      } else {
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        this.db
          .prepare("UPDATE lsml_jobs SET status = 'failed', finished_at = ?, error = ?, lease_until = NULL WHERE id = ?")
          .run(now(), message, job.id);
        this.logger?.error({ job: job.id, project: job.projectId, err }, 'Training job failed; the previous version keeps serving');
      }
    } finally {
      clearInterval(renew);
      this.running = undefined;
      finish();
    }
  }

  /**
   * Jobs whose worker died (lease expired, or — at start-up — a dead process on this host) run again,
   * or end `failed` once they used `maxAttempts`. If the project already has a waiting job, the
   * interrupted job's events join it instead, keeping one waiting job per project.
   */
  private recover(startup: boolean): void {
    const stale = this.db
      .prepare<[number], JobRow>("SELECT * FROM lsml_jobs WHERE status = 'started' AND (lease_until IS NULL OR lease_until < ?)")
      .all(Date.now());
    const candidates = startup
      ? [
          ...stale,
          ...this.db
            .prepare<[], JobRow>("SELECT * FROM lsml_jobs WHERE status = 'started'")
            .all()
            .filter((r) => !stale.some((s) => s.id === r.id) && this.workerIsDead(r.worker)),
        ]
      : stale;
    for (const row of candidates) {
      if (row.attempts >= this.maxAttempts) {
        this.db
          .prepare("UPDATE lsml_jobs SET status = 'failed', finished_at = ?, error = ?, lease_until = NULL WHERE id = ? AND status = 'started'")
          .run(now(), `The worker stopped during training (attempt ${row.attempts} of ${this.maxAttempts})`, row.id);
        this.logger?.warn({ job: row.id }, 'Interrupted training job failed after its last attempt');
      } else {
        this.requeue(row.id, 'requeued: the worker stopped during training', false);
        this.logger?.warn({ job: row.id }, 'Interrupted training job requeued');
      }
    }
  }

  private requeue(id: string, message: string, refundAttempt: boolean): void {
    const tx = this.db.transaction(() => {
      const row = this.db.prepare<[string], JobRow>('SELECT * FROM lsml_jobs WHERE id = ?').get(id);
      if (!row) return;
      const waiting = this.db
        .prepare<[string, string], { id: string }>("SELECT id FROM lsml_jobs WHERE project_id = ? AND status = 'queued' AND id != ? LIMIT 1")
        .get(row.project_id, id);
      if (waiting) {
        // Older events first, so the waiting job sees them in arrival order.
        const merged = [...(JSON.parse(row.events) as unknown[]), ...(JSON.parse(this.db.prepare<[string], { events: string }>('SELECT events FROM lsml_jobs WHERE id = ?').get(waiting.id)!.events) as unknown[])];
        this.db.prepare('UPDATE lsml_jobs SET events = ? WHERE id = ?').run(JSON.stringify(merged), waiting.id);
        this.db
          .prepare("UPDATE lsml_jobs SET status = 'failed', finished_at = ?, error = ?, lease_until = NULL WHERE id = ?")
          .run(now(), `Interrupted; its events moved to job ${waiting.id}`, id);
        return;
      }
      this.db
        .prepare(
          `UPDATE lsml_jobs SET status = 'queued', message = ?, worker = NULL, lease_until = NULL, started_at = NULL, progress = 0${refundAttempt ? ', attempts = max(attempts - 1, 0)' : ''} WHERE id = ?`,
        )
        .run(message, id);
    });
    tx.immediate();
  }

  /**
   * A claim by a process on this host that no longer exists. Our own pid with another worker id is a
   * previous life of this process (containers often reuse pid 1).
   */
  private workerIsDead(worker: string | null): boolean {
    if (!worker) return true;
    const [host, pid] = worker.split(':');
    if (host !== os.hostname()) return false;
    const n = Number(pid);
    if (!Number.isInteger(n) || n <= 0) return true;
    if (n === process.pid) return worker !== this.workerId;
    try {
      process.kill(n, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
}
