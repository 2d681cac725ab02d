import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Job, Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { connectRedis } from '../state/redis-store.js';
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

const requireOptional = createRequire(import.meta.url);

function loadBullmq(): typeof import('bullmq') {
  try {
    return requireOptional('bullmq') as typeof import('bullmq');
  } catch {
    throw new Error('QUEUE=bullmq needs the bullmq and ioredis packages: npm install bullmq ioredis');
  }
}

/** Options of {@link BullmqTrainingQueue}. */
export interface BullmqTrainingQueueOptions {
  redisUrl: string;
  /** Prefix of lsml's own keys (default `lsml`). */
  prefix?: string;
  queueName?: string;
  /** How long a worker's claim on a job lasts without renewal; a killed worker's job is retried after it. */
  lockMs?: number;
  /** How often workers look for jobs whose worker died. */
  stalledIntervalMs?: number;
  /** Retries of a job whose worker died (BullMQ's maxStalledCount); then it fails. */
  maxStalledCount?: number;
  /** Jobs submitted with `parallel` that one worker runs at once (default 2). */
  parallelJobs?: number;
  logger?: Logger;
}

const now = () => new Date().toISOString();

/** Jobs whose events listJobs keeps in memory. */
const EVENTS_CACHE = 5000;

/**
 * Submit: record the event in the project's backlog; once the backlog weighs `threshold`, move it into
 * the project's waiting job (its id sits in `<prefix>:pending:<project>`) or open one. Atomic in Redis,
 * so any number of servers coalesce into one waiting job per project and no count is lost.
 * KEYS: pending, backlog list, backlog weight. ARGV: prefix, new id, project, event, label config,
 * created_at, score, weight, threshold.
 */
const SUBMIT_LUA = `
local prefix = ARGV[1]
redis.call('RPUSH', KEYS[2], ARGV[4])
local total = redis.call('INCRBY', KEYS[3], tonumber(ARGV[8]))
if total < tonumber(ARGV[9]) then return {'', 0, total} end
local events = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2], KEYS[3])
local id = redis.call('GET', KEYS[1])
local joined = 1
if not (id and redis.call('HGET', prefix .. ':job:' .. id, 'status') == 'queued') then
  id = ARGV[2]
  joined = 0
  redis.call('HSET', prefix .. ':job:' .. id, 'id', id, 'project_id', ARGV[3], 'status', 'queued', 'progress', '0',
    'attempts', '0', 'created_at', ARGV[6], 'label_config', ARGV[5])
  redis.call('SET', KEYS[1], id)
  redis.call('ZADD', prefix .. ':jobs', ARGV[7], id)
elseif ARGV[5] ~= '' then
  redis.call('HSET', prefix .. ':job:' .. id, 'label_config', ARGV[5])
end
for _, e in ipairs(events) do redis.call('RPUSH', prefix .. ':job:' .. id .. ':events', e) end
return {id, joined, 0}
`;

/** Delete a key only if it still holds our value (locks and the pending slot). */
const DEL_IF_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Take the project's running lock, or keep it if we hold it (a retried job). */
const LOCK_LUA = `
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * The scale-out queue (`QUEUE=bullmq`): BullMQ moves jobs between processes and retries a job whose
 * worker was killed (stalled-job detection); lsml keeps each job's status, progress and events in its
 * own Redis hash, coalesces per project, and lets one job per project run at a time across workers.
 */
export class BullmqTrainingQueue implements TrainingQueue {
  readonly kind = 'bullmq' as const;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly queueName: string;
  private readonly lockMs: number;
  private readonly stalledIntervalMs: number;
  private readonly maxStalledCount: number;
  private readonly logger: Logger | undefined;
  private readonly queue: Queue;
  /** Where `parallel` jobs (bulk chunks) wait: its worker takes several at once. */
  private readonly parallelQueue: Queue;
  private readonly parallelJobs: number;
  private readonly bullmq = loadBullmq();
  private readonly redisUrl: string;
  private readonly events: QueueEvents[];
  private readonly workers: Worker[] = [];
  private readonly running = new Map<string, AbortController>();
  private readonly gate = new SharedExclusiveGate();
  /** Events of jobs past `queued` (they no longer change), by job id. */
  /** Events read per job; `final` once read after the job left the queue (they cannot grow then). */
  private readonly knownEvents = new Map<string, { events: TrainingEvent[]; final: boolean }>();
  private closing = false;

  constructor(options: BullmqTrainingQueueOptions) {
    this.redisUrl = options.redisUrl;
    this.prefix = options.prefix ?? 'lsml';
    this.queueName = options.queueName ?? 'lsml-training';
    this.lockMs = options.lockMs ?? 30_000;
    this.stalledIntervalMs = options.stalledIntervalMs ?? 30_000;
    this.maxStalledCount = options.maxStalledCount ?? 1;
    this.logger = options.logger;
    this.redis = connectRedis(options.redisUrl);
    const parallel = options.parallelJobs;
    this.parallelJobs = parallel !== undefined && Number.isFinite(parallel) && parallel >= 1 ? Math.floor(parallel) : 2;
    const bullPrefix = `${this.prefix}:bull`;
    this.queue = new this.bullmq.Queue(this.queueName, { connection: connectRedis(options.redisUrl), prefix: bullPrefix });
    this.parallelQueue = new this.bullmq.Queue(`${this.queueName}-parallel`, { connection: connectRedis(options.redisUrl), prefix: bullPrefix });
    // A job can fail without any worker's code running (stalled too often): mirror that into our hash.
    this.events = [this.queueName, `${this.queueName}-parallel`].map((name) => {
      const events = new this.bullmq.QueueEvents(name, { connection: connectRedis(options.redisUrl), prefix: bullPrefix });
      events.on('failed', ({ jobId, failedReason }) => {
        void this.markFailedIfOpen(jobId, failedReason);
      });
      return events;
    });
  }

  private jobKey(id: string): string {
    return `${this.prefix}:job:${id}`;
  }

  async submit(projectId: string, labelConfig: string | null, event: TrainingEvent, options: SubmitOptions = {}): Promise<SubmitResult> {
    const newId = randomUUID();
    const weight = Math.max(0, Math.floor(options.weight ?? 1));
    const threshold = Math.max(1, Math.floor(options.threshold ?? 1));
    const [id, joined, pending] = (await this.redis.eval(
      SUBMIT_LUA,
      3,
      `${this.prefix}:pending:${projectId}`,
      `${this.prefix}:backlog:${projectId}`,
      `${this.prefix}:backlog-weight:${projectId}`,
      this.prefix,
      newId,
      projectId,
      JSON.stringify(event),
      labelConfig ?? '',
      now(),
      String(Date.now()),
      String(weight),
      String(threshold),
    )) as [string, number, number];
    if (!id) return { job: null, coalesced: false, pending: Number(pending) };
    if (joined === 0) {
      const queue = options.parallel ? this.parallelQueue : this.queue;
      await queue.add('train', { jobId: id, projectId }, { jobId: id, attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 });
    }
    const job = await this.getJob(id);
    if (!job) throw new Error(`training job ${id} vanished right after submit`);
    return { job, coalesced: joined === 1, pending: 0 };
  }

  async getJob(id: string): Promise<TrainingJob | null> {
    const [hash, events] = await Promise.all([this.redis.hgetall(this.jobKey(id)), this.redis.lrange(`${this.jobKey(id)}:events`, 0, -1)]);
    return this.toJob(hash, events.map((e) => JSON.parse(e) as TrainingEvent));
  }

  private toJob(hash: Record<string, string>, events: TrainingEvent[]): TrainingJob | null {
    if (!hash.id) return null;
    return {
      id: hash.id,
      projectId: hash.project_id ?? '',
      status: (hash.status ?? 'queued') as JobStatus,
      progress: Number(hash.progress ?? 0),
      message: hash.message ?? null,
      labelConfig: hash.label_config ? hash.label_config : null,
      events,
      attempts: Number(hash.attempts ?? 0),
      createdAt: hash.created_at ?? '',
      startedAt: hash.started_at ?? null,
      finishedAt: hash.finished_at ?? null,
      modelVersion: hash.model_version ?? null,
      result: hash.result ? (JSON.parse(hash.result) as unknown) : null,
      error: hash.error ?? null,
    };
  }

  async listJobs(projectId?: string): Promise<TrainingJob[]> {
    const ids = await this.redis.zrange(`${this.prefix}:jobs`, 0, -1);
    if (ids.length === 0) return [];
    // Pipelined (one round trip for all hashes, one for the event lists still needed), not two
    // commands per job: a bulk job has hundreds of chunk jobs and /job_status lists them on every poll.
    // Events are kept once read (a bounded cache; parsed events are shared). A job's events only grow
    // while it is queued (SUBMIT_LUA joins queued jobs only, by appending), so a started or ended job's
    // are final, and a queued job's are still valid while its list has the same length: a queued bulk
    // chunk carries its task ids in its event, and re-reading a large job's every poll was most of
    // /job_status's cost.
    const hashes = this.redis.pipeline();
    for (const id of ids) hashes.hgetall(this.jobKey(id));
    const hashReplies = (await hashes.exec()) ?? [];
    const eventsOf: Array<TrainingEvent[] | undefined> = new Array(ids.length);
    const lists = this.redis.pipeline();
    const asked: Array<{ i: number; lengthOnly: boolean; final: boolean }> = [];
    for (let i = 0; i < ids.length; i++) {
      const [err, hash] = hashReplies[i] ?? [null, {}];
      if (err) throw err;
      const status = (hash as Record<string, string>).status;
      // Seen in the hash before the list is read: a job no longer queued then has its final events.
      const final = status !== undefined && status !== 'queued';
      const known = this.knownEvents.get(ids[i]!);
      if (known?.final && final) eventsOf[i] = known.events;
      else {
        const key = `${this.jobKey(ids[i]!)}:events`;
        if (known) lists.llen(key);
        else lists.lrange(key, 0, -1);
        asked.push({ i, lengthOnly: known !== undefined, final });
      }
    }
    if (asked.length) {
      const replies = (await lists.exec()) ?? [];
      const grown = this.redis.pipeline();
      const reread: Array<{ i: number; final: boolean }> = [];
      asked.forEach(({ i, lengthOnly, final }, k) => {
        const [err, reply] = replies[k] ?? [null, null];
        if (err) throw err;
        const known = this.knownEvents.get(ids[i]!);
        if (lengthOnly && known && Number(reply) === known.events.length) {
          known.final = final;
          eventsOf[i] = known.events;
        } else if (lengthOnly) {
          grown.lrange(`${this.jobKey(ids[i]!)}:events`, 0, -1);
          reread.push({ i, final });
        } else eventsOf[i] = this.rememberEvents(ids[i]!, reply as string[], final);
      });
      if (reread.length) {
        const rereplies = (await grown.exec()) ?? [];
        reread.forEach(({ i, final }, k) => {
          const [err, raw] = rereplies[k] ?? [null, []];
          if (err) throw err;
          eventsOf[i] = this.rememberEvents(ids[i]!, raw as string[], final);
        });
      }
    }
    const jobs: TrainingJob[] = [];
    for (let i = 0; i < ids.length; i++) {
      const job = this.toJob(hashReplies[i]![1] as Record<string, string>, eventsOf[i] ?? []);
      if (job && (projectId === undefined || job.projectId === projectId)) jobs.push(job);
    }
    return jobs;
  }

  /** Parse and keep a job's events (the oldest entry goes when the cache is full). */
  private rememberEvents(id: string, raw: string[], final: boolean): TrainingEvent[] {
    const events = raw.map((e) => JSON.parse(e) as TrainingEvent);
    this.knownEvents.delete(id);
    if (this.knownEvents.size >= EVENTS_CACHE) this.knownEvents.delete(this.knownEvents.keys().next().value!);
    this.knownEvents.set(id, { events, final });
    return events;
  }

  async countJobs(): Promise<Partial<Record<JobStatus, number>>> {
    const ids = await this.redis.zrange(`${this.prefix}:jobs`, 0, -1);
    const out: Partial<Record<JobStatus, number>> = {};
    if (ids.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.jobKey(id), 'status');
    for (const [, status] of (await pipeline.exec()) ?? []) {
      if (typeof status === 'string') out[status as JobStatus] = (out[status as JobStatus] ?? 0) + 1;
    }
    return out;
  }

  async cancel(id: string): Promise<boolean> {
    const local = this.running.get(id);
    if (local) {
      local.abort(new JobCanceledError());
      return true;
    }
    const job = await this.getJob(id);
    if (!job || job.status === 'finished' || job.status === 'failed') return false;
    if (job.status === 'started') {
      // Running in another process: it polls this flag while renewing its lock.
      await this.redis.hset(this.jobKey(id), 'cancel_requested', '1');
      return true;
    }
    await this.redis.eval(DEL_IF_LUA, 1, `${this.prefix}:pending:${job.projectId}`, id);
    await this.queue.remove(id).catch(() => 0);
    await this.parallelQueue.remove(id).catch(() => 0);
    await this.redis.hset(this.jobKey(id), 'status', 'failed', 'error', 'Training was canceled', 'finished_at', now());
    return true;
  }

  startWorker(processor: JobProcessor): void {
    // Training jobs one at a time; parallel jobs (bulk chunks) several at once, in their own queue.
    this.workers.push(this.createWorker(this.queueName, 1, true, processor), this.createWorker(`${this.queueName}-parallel`, this.parallelJobs, false, processor));
  }

  private createWorker(queueName: string, concurrency: number, exclusive: boolean, processor: JobProcessor): Worker {
    const { Worker, DelayedError } = this.bullmq;
    const handle = async (bullJob: Job, token?: string): Promise<void> => {
      const id = bullJob.id!;
      const hash = await this.redis.hgetall(this.jobKey(id));
      if (!hash.id || hash.status === 'finished' || hash.status === 'failed') return;
      const projectId = hash.project_id!;
      const lockKey = `${this.prefix}:running:${projectId}`;
      const locked = (await this.redis.eval(LOCK_LUA, 1, lockKey, id, String(this.lockMs))) as number;
      if (!locked) {
        // Another job of this project runs elsewhere: look again shortly.
        await bullJob.moveToDelayed(Date.now() + 1000, token);
        throw new DelayedError();
      }
      // From here on, new events open a new waiting job instead of joining this one.
      await this.redis.eval(DEL_IF_LUA, 1, `${this.prefix}:pending:${projectId}`, id);
      await this.redis.hset(this.jobKey(id), 'status', 'started', 'started_at', now(), 'progress', '0');
      await this.redis.hincrby(this.jobKey(id), 'attempts', 1);
      const job = (await this.getJob(id))!;
      const abort = new AbortController();
      this.running.set(id, abort);
      const renew = setInterval(() => {
        void (async () => {
          await this.redis.eval(RENEW_LUA, 1, lockKey, id, String(this.lockMs));
          if ((await this.redis.hget(this.jobKey(id), 'cancel_requested')) === '1') abort.abort(new JobCanceledError());
        })().catch(() => {});
      }, Math.max(100, Math.floor(this.lockMs / 3)));
      this.logger?.info({ job: id, project: projectId, events: job.events.length, attempt: job.attempts }, 'Training job started');
      try {
        const outcome = await processor(job, {
          signal: abort.signal,
          progress: async (percent, message) => {
            const p = Math.max(0, Math.min(100, Number.isFinite(percent) ? percent : 0));
            await this.redis.hset(this.jobKey(id), 'progress', String(p), ...(message ? ['message', message] : []));
            await bullJob.updateProgress(p).catch(() => {});
            this.logger?.info({ job: id, project: projectId, progress: p, message }, 'Training progress');
          },
          // BullMQ's extendLock answers 1 only while the lock key still holds our token: once a stall let
          // it expire, the job was (or will be) handed to another worker under a new token.
          holdsClaim: async () => token !== undefined && (await bullJob.extendLock(token, this.lockMs).catch(() => 0)) === 1,
        });
        await this.redis.hset(
          this.jobKey(id),
          'status',
          'finished',
          'progress',
          '100',
          'finished_at',
          now(),
          'model_version',
          outcome.modelVersion ?? '',
          'result',
          JSON.stringify(outcome.result ?? null),
        );
        this.logger?.info({ job: id, project: projectId, model_version: outcome.modelVersion }, 'Training job finished');
      } catch (err) {
        if (err instanceof JobClaimLostError) {
          // Stalled past its lock: the job is another worker's now, and so is its state.
          this.logger?.warn({ job: id, project: projectId }, 'Job lost to another worker while this one stalled; it stopped and leaves the job to that run');
          return;
        }
        if (abort.signal.aborted && !(abort.signal.reason instanceof JobCanceledError)) {
          // Shutdown: hand the job back to the queue for another worker.
          await this.redis.hset(this.jobKey(id), 'status', 'queued', 'message', 'requeued: the worker shut down during training');
          await this.redis.hincrby(this.jobKey(id), 'attempts', -1);
          await bullJob.moveToDelayed(Date.now() + 100, token);
          throw new DelayedError();
        }
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        await this.redis.hset(this.jobKey(id), 'status', 'failed', 'finished_at', now(), 'error', message);
        this.logger?.error({ job: id, project: projectId, err }, 'Training job failed; the previous version keeps serving');
      } finally {
        clearInterval(renew);
        this.running.delete(id);
        await this.redis.eval(DEL_IF_LUA, 1, lockKey, id).catch(() => 0);
      }
    };
    const worker = new Worker(
      queueName,
      async (bullJob: Job, token?: string) => {
        // A training job publishes its version into the model instances this process's chunks predict
        // with: in one process, training never overlaps parallel jobs (which may overlap each other).
        const leave = await this.gate.enter(exclusive);
        try {
          if (this.closing) {
            await bullJob.moveToDelayed(Date.now() + 100, token);
            throw new DelayedError();
          }
          return await handle(bullJob, token);
        } finally {
          leave();
        }
      },
      {
        connection: connectRedis(this.redisUrl),
        prefix: `${this.prefix}:bull`,
        concurrency,
        lockDuration: this.lockMs,
        stalledInterval: this.stalledIntervalMs,
        maxStalledCount: this.maxStalledCount,
      },
    );
    worker.on('stalled', (jobId) => {
      this.logger?.warn({ job: jobId }, 'Training job stalled (its worker died); it will run again');
      void this.redis.hset(this.jobKey(jobId), 'status', 'queued', 'message', 'requeued: the worker stopped during training').catch(() => {});
    });
    worker.on('error', (err) => this.logger?.error({ err }, 'Training worker error'));
    return worker;
  }

  private async markFailedIfOpen(id: string, reason: string): Promise<void> {
    const [status, attempts] = await this.redis.hmget(this.jobKey(id), 'status', 'attempts');
    if (status === 'queued' || status === 'started') {
      // BullMQ says "job stalled more than allowable limit"; say what happened, as the embedded queue does.
      const error = /stalled/i.test(reason)
        ? `The worker stopped during training (attempt ${Number(attempts ?? 0)} of ${this.maxStalledCount + 1}); BullMQ: ${reason}`
        : reason;
      await this.redis.hset(this.jobKey(id), 'status', 'failed', 'finished_at', now(), 'error', error);
      const projectId = await this.redis.hget(this.jobKey(id), 'project_id');
      if (projectId) {
        await this.redis.eval(DEL_IF_LUA, 1, `${this.prefix}:running:${projectId}`, id);
        await this.redis.eval(DEL_IF_LUA, 1, `${this.prefix}:pending:${projectId}`, id);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const abort of this.running.values()) abort.abort(new Error('shutdown'));
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.events.map((e) => e.close()));
    await this.queue.close();
    await this.parallelQueue.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Shared (parallel jobs) or exclusive (training) entry, writer-preferring: once a training job waits,
 * new parallel jobs wait behind it, so a steady stream of chunks cannot starve it.
 */
class SharedExclusiveGate {
  private shared = 0;
  private exclusive = false;
  private exclusiveWaiting = 0;
  private waiters: Array<() => void> = [];

  async enter(exclusive: boolean): Promise<() => void> {
    if (exclusive) this.exclusiveWaiting++;
    while (exclusive ? this.exclusive || this.shared > 0 : this.exclusive || this.exclusiveWaiting > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (exclusive) {
      this.exclusiveWaiting--;
      this.exclusive = true;
    } else this.shared++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (exclusive) this.exclusive = false;
      else this.shared--;
      // Everyone waiting looks again; the loop above decides who goes.
      for (const wake of this.waiters.splice(0)) wake();
    };
  }
}
