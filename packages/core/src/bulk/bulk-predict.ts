// Pre-annotating a whole Label Studio project: the job is planned into chunks (pages of task ids), each
// chunk is a job on the training queue (embedded SQLite or BullMQ), and a chunk predicts exactly as
// `/predict` does and writes back through the API in bulk. Chunks are resumable (the queue retries a
// killed worker's chunk; finished chunks stay finished) and idempotent: a run skips tasks that already
// carry a prediction of the version (check before write). Check before write alone is not enough when
// two runs of one chunk overlap — a worker that stalls while alive (GC pause, blocked event loop,
// partition) loses its lock, another worker runs the chunk, then the first wakes up and writes too —
// and Label Studio has no unique constraint on (task, model_version). So a run that may have raced (a
// retry, or one whose worker lost its claim on the job) verifies after its last write: it re-reads the
// chunk's tasks and deletes every prediction of the version but the lowest id. Each racing run verifies
// after its own writes, so the last to verify sees every write; deletes keep the lowest id, so
// concurrent verifiers agree and never remove the last one. A first run that held its claim throughout
// raced nobody and makes no extra request.
import { randomUUID } from 'node:crypto';
import { validatePrediction } from '../label-config/validate-prediction.js';
import { hasPredictionOf, type LabelStudioClient, type PredictionWrite, type TaskListPage } from '../label-studio/label-studio-client.js';
import type { LabelStudioMLBase } from '../model/label-studio-ml-base.js';
import { normalizePredictions } from '../protocol/model-response.js';
import type { Task } from '../protocol/types.js';
import { JobClaimLostError, type JobStatus, type TrainingJob, type TrainingQueue } from '../training/training-job.js';

/** The webhook-style event name a chunk job carries; the job processor dispatches on it. */
export const BULK_PREDICT_EVENT = 'LSML_BULK_PREDICT_CHUNK';

/** What to pre-annotate. */
export interface BulkPredictSpec {
  /** Label Studio project id. */
  project: number;
  /** Only the tasks of this Data Manager view (tab). */
  view?: number;
  /** Only tasks without a prediction of the model's current version. */
  onlyMissing?: boolean;
  /** Tasks per `predict()` call (default 64). */
  batch?: number;
  /** Tasks per chunk, i.e. per queue job (default 500). */
  chunkSize?: number;
  /** Label config; default: the project's own (`GET /api/projects/{id}/`). */
  labelConfig?: string;
}

/** One chunk job's payload (the `data` of its event). */
export interface BulkChunkPayload {
  /** The bulk job this chunk belongs to. */
  bulkJob: string;
  /** 0-based chunk index. */
  index: number;
  /** Chunk count of the bulk job (for a plan submitted as it was listed: Label Studio's count when listing began). */
  chunks: number;
  /** Label Studio project id. */
  project: number;
  /** The task ids of this chunk. */
  taskIds: number[];
  /** Tasks per predict() call. */
  batch: number;
}

/** A task that got no prediction, and why. */
export interface BulkTaskFailure {
  /** Task id. */
  task: number;
  /** What went wrong. */
  error: string;
}

/** What one chunk did (the chunk job's result). */
export interface BulkChunkResult {
  /** Predictions written by this run. */
  written: number;
  /** Tasks that already had a prediction of this version (an earlier run of the chunk wrote them). */
  skipped: number;
  /** Tasks that got none. */
  failed: BulkTaskFailure[];
  /** The model version written. */
  modelVersion: string;
  /** Whether this run re-read its tasks after writing (it may have raced another run of the chunk). */
  verified?: boolean;
  /** Duplicate predictions of the version this run deleted (another run of the chunk wrote the same tasks). */
  deduplicated?: number;
}

/** Options of {@link runBulkChunk}. */
export interface RunBulkChunkOptions {
  /** Abort between batches (cancellation). */
  signal?: AbortSignal;
  /**
   * Called as written predictions are confirmed by Label Studio: tasks of this chunk handled so far
   * (written, skipped or failed). Throttled to `progressIntervalMs`; the chunk's final count is always
   * reported once.
   */
  onProgress?: (handled: number, total: number) => void | Promise<void>;
  /** Least time between two `onProgress` calls (default 1000 ms): each one is a queue write. */
  progressIntervalMs?: number;
  /** Predictions gathered into one write-back request (default 500; the client also caps bytes). */
  writeBatch?: number;
  /** Task ids per fetch request (default: the multiple of `batch` nearest above 250). */
  fetchPage?: number;
  /**
   * `predict()` calls in flight at once (default 4: batches wait at the model while earlier ones are
   * collected and written, so a model running in worker threads is not left idle between pages).
   */
  predictAhead?: number;
  /**
   * Asked once the chunk's writes are done (also when it fails after writing): true when another run of
   * this chunk may have written the same tasks meanwhile — this run is a retry, or its worker lost its
   * claim on the job (lock/lease) while it ran. Then the chunk is verified and deduplicated
   * ({@link dedupeChunk}). Without it the chunk is never verified.
   */
  mayHaveRaced?: () => boolean | Promise<boolean>;
  /**
   * Asked before each write: false once this run lost its claim on the job (its worker stalled and the
   * job went to another). The chunk then writes nothing more and fails with {@link JobClaimLostError}.
   */
  holdsClaim?: () => Promise<boolean>;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A promise that is awaited later: mark it handled now so an early rejection is not "unhandled". */
function later<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** Predictions and failures of one batch. */
interface BatchOutcome {
  writes: PredictionWrite[];
  failed: BulkTaskFailure[];
}

/**
 * Predict and write one chunk. The model is used as `/predict` uses it: `refresh()`, its current
 * `modelVersion`, `predict(tasks)` in batches, the same normalisation, and validation against the label
 * config (an invalid prediction is a per-task failure: Label Studio would reject it). Tasks that already
 * carry a prediction of that version are skipped, so a chunk run twice in turn never writes twice; two
 * runs that overlap (a stalled worker woke up) may, and a run for which `mayHaveRaced` says so removes
 * the duplicates after its last write ({@link dedupeChunk}). A batch whose `predict()` throws is retried
 * task by task, so one bad task fails alone.
 *
 * The stages overlap so that the model is not idle while the chunk talks to Label Studio: the next page
 * of tasks is fetched while the current one is predicted, up to `predictAhead` batches wait at the model,
 * and predictions are written back in requests of `writeBatch` while later batches are predicted (one
 * write in flight; a write's failure fails the chunk at the next step, as before). Every write is of
 * tasks that had no prediction of the version when their page was read, so a chunk rerun after a crash
 * mid-write still writes each task at most once per run that finds it missing.
 */
export async function runBulkChunk(
  model: LabelStudioMLBase,
  client: LabelStudioClient,
  payload: BulkChunkPayload,
  options: RunBulkChunkOptions = {},
): Promise<BulkChunkResult> {
  const { signal } = options;
  await model.refresh();
  const version = model.modelVersion;
  const batchSize = Math.max(1, payload.batch);
  const fetchPage = Math.max(1, options.fetchPage ?? Math.ceil(250 / batchSize) * batchSize);
  const depth = Math.max(1, options.predictAhead ?? 4);
  const total = payload.taskIds.length;
  const failed: BulkTaskFailure[] = [];
  const writer = new WriteBack(client, payload.project, total, options);
  let skipped = 0;

  const fetchPageAt = (start: number): Promise<{ ids: number[]; tasks: Task[] }> => {
    const ids = payload.taskIds.slice(start, start + fetchPage);
    return client.listTasks(payload.project, { ids, pageSize: ids.length, signal }).then((page) => ({ ids, tasks: page.tasks }));
  };
  const predictBatch = async (batch: Task[]): Promise<BatchOutcome> => {
    const out: BatchOutcome = { writes: [], failed: [] };
    try {
      const results = normalizePredictions(await model.predict(batch, { context: {}, params: {}, signal }), version);
      if (results.length !== batch.length) throw new Error(`predict() returned ${results.length} results for ${batch.length} tasks`);
      batch.forEach((task, j) => collect(model, task, results[j], version, out.writes, out.failed));
    } catch {
      signal?.throwIfAborted();
      // Isolate the failing task(s): writes of this batch from the failed call are dropped.
      out.writes = [];
      out.failed = [];
      for (const task of batch) {
        try {
          const one = normalizePredictions(await model.predict([task], { context: {}, params: {}, signal }), version);
          collect(model, task, one[0], version, out.writes, out.failed);
        } catch (e) {
          signal?.throwIfAborted();
          out.failed.push({ task: task.id!, error: errorText(e) });
        }
      }
    }
    return out;
  };

  const inFlight: Array<{ size: number; outcome: Promise<BatchOutcome> }> = [];
  const settleOldest = async () => {
    const { size, outcome } = inFlight.shift()!;
    const { writes, failed: batchFailed } = await outcome;
    failed.push(...batchFailed);
    await writer.add(writes, size);
  };

  let next: Promise<{ ids: number[]; tasks: Task[] }> | undefined = total > 0 ? later(fetchPageAt(0)) : undefined;
  try {
    for (let start = 0; next; start += fetchPage) {
      const { ids, tasks } = await next;
      // Read ahead: the next page comes in while this one is predicted.
      next = start + fetchPage < total ? later(fetchPageAt(start + fetchPage)) : undefined;
      const found = new Map(tasks.map((t) => [t.id!, t]));
      const todo: Task[] = [];
      let notFound = 0;
      let alreadyThere = 0;
      for (const id of ids) {
        const t = found.get(id);
        if (!t) {
          failed.push({ task: id, error: 'task not found in the project' });
          notFound++;
        } else if (hasPredictionOf(t, version)) alreadyThere++;
        else todo.push(t);
      }
      skipped += alreadyThere;
      await writer.add([], notFound + alreadyThere);
      for (let i = 0; i < todo.length; i += batchSize) {
        signal?.throwIfAborted();
        const batch = todo.slice(i, i + batchSize);
        inFlight.push({ size: batch.length, outcome: later(predictBatch(batch)) });
        if (inFlight.length >= depth) await settleOldest();
      }
    }
    while (inFlight.length) await settleOldest();
    await writer.finish();
  } catch (err) {
    // Fail (or stop) only once no write is on its way: what the chunk wrote is then in Label Studio.
    await writer.settled();
    // A run that raced and fails after writing still removes the duplicates it may have made (best
    // effort, without the abort signal: a canceled run's writes are as duplicate as any).
    if (writer.written > 0 && (await mayHaveRaced(options))) {
      await dedupeChunk(client, payload.project, payload.taskIds, version, { fetchPage }).catch(() => 0);
    }
    throw err;
  }
  const result: BulkChunkResult = { written: writer.written, skipped, failed, modelVersion: version, verified: false, deduplicated: 0 };
  if (await mayHaveRaced(options)) {
    result.verified = true;
    result.deduplicated = await dedupeChunk(client, payload.project, payload.taskIds, version, { fetchPage, signal });
  }
  return result;
}

/** Ask `options.mayHaveRaced`; when it cannot tell (e.g. Redis did not answer), assume a race: verifying is only a read. */
async function mayHaveRaced(options: RunBulkChunkOptions): Promise<boolean> {
  const ask = options.mayHaveRaced;
  if (!ask) return false;
  return Promise.resolve()
    .then(ask)
    .catch(() => true);
}

/** Deletes of one verification in flight at once. */
const DELETES_AT_ONCE = 4;

/**
 * Re-read the chunk's tasks and delete every prediction of `modelVersion` but the one with the lowest
 * id (`DELETE /api/predictions/{id}/`; a 404 means another verifier deleted it first). Lowest id is a
 * rule every verifier applies alike, so two verifying at once delete the same ones, and the prediction
 * with the lowest id ever created for the task is never deleted: a task keeps exactly one. Returns how
 * many predictions this call deleted.
 */
export async function dedupeChunk(
  client: LabelStudioClient,
  project: number,
  taskIds: number[],
  modelVersion: string,
  options: { fetchPage?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const page = Math.max(1, options.fetchPage ?? 250);
  const extras: number[] = [];
  for (let start = 0; start < taskIds.length; start += page) {
    const ids = taskIds.slice(start, start + page);
    const { tasks } = await client.listTasks(project, { ids, pageSize: ids.length, signal: options.signal });
    for (const task of tasks) {
      const own = (task.predictions ?? [])
        .filter((p) => p.model_version === modelVersion && typeof p.id === 'number')
        .map((p) => p.id as number)
        .sort((a, b) => a - b);
      extras.push(...own.slice(1));
    }
  }
  let deleted = 0;
  let next = 0;
  const lane = async () => {
    while (next < extras.length) {
      const id = extras[next++]!;
      if (await client.deletePrediction(id, { signal: options.signal })) deleted++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETES_AT_ONCE, extras.length) }, lane));
  return deleted;
}

/**
 * Write-back of one chunk: predictions are gathered into requests of `writeBatch` items, at most one
 * request in flight (the next batches are predicted meanwhile), and progress is reported as Label
 * Studio confirms them — throttled, because each report is a queue write.
 */
class WriteBack {
  written = 0;
  private handled = 0;
  private buffer: PredictionWrite[] = [];
  private bufferedTasks = 0;
  private sending: Promise<void> | undefined;
  private reported = 0;
  private lastReport = Date.now();
  private readonly writeBatch: number;
  private readonly intervalMs: number;

  constructor(
    private readonly client: LabelStudioClient,
    private readonly project: number,
    private readonly total: number,
    private readonly options: RunBulkChunkOptions,
  ) {
    this.writeBatch = Math.max(1, options.writeBatch ?? 500);
    this.intervalMs = Math.max(0, options.progressIntervalMs ?? 1000);
  }

  /** Queue `writes` (of `tasks` tasks handled, the failed ones included); send once a request is full. */
  async add(writes: PredictionWrite[], tasks: number): Promise<void> {
    this.buffer.push(...writes);
    this.bufferedTasks += tasks;
    if (this.buffer.length >= this.writeBatch) await this.flush();
  }

  /** Send what is buffered, wait for every write, report the final count. */
  async finish(): Promise<void> {
    await this.flush();
    await this.sending;
    await this.report(true);
  }

  /** Wait for the write in flight, if any, ignoring its outcome. */
  async settled(): Promise<void> {
    await this.sending?.catch(() => undefined);
  }

  private async flush(): Promise<void> {
    // One request in flight: wait for the previous one (and surface its error) before the next.
    await this.sending;
    const items = this.buffer;
    const tasks = this.bufferedTasks;
    this.buffer = [];
    this.bufferedTasks = 0;
    if (items.length === 0 && tasks === 0) return;
    this.sending = later(this.send(items, tasks));
  }

  private async send(items: PredictionWrite[], tasks: number): Promise<void> {
    // A stalled worker that wakes up after its chunk went to another run writes nothing more. (A stall
    // between this check and the write is still possible: the run then deduplicates, see mayHaveRaced.)
    if (items.length && this.options.holdsClaim && !(await this.options.holdsClaim())) {
      throw new JobClaimLostError(`bulk chunk: this run lost its claim on the job before writing ${items.length} predictions; another run has the chunk`);
    }
    if (items.length) await this.client.importPredictions(this.project, items, { signal: this.options.signal });
    this.written += items.length;
    this.handled += tasks;
    await this.report(false);
  }

  private async report(final: boolean): Promise<void> {
    if (!this.options.onProgress || this.handled === this.reported) return;
    if (!final && Date.now() - this.lastReport < this.intervalMs) return;
    this.reported = this.handled;
    this.lastReport = Date.now();
    await this.options.onProgress(this.handled, this.total);
  }
}

/** One task's normalised result → a write, or a per-task failure. */
function collect(model: LabelStudioMLBase, task: Task, entry: unknown, version: string, writes: PredictionWrite[], failed: BulkTaskFailure[]): void {
  const prediction = (Array.isArray(entry) ? entry[0] : entry) as { result?: unknown; score?: unknown; model_version?: unknown } | undefined;
  if (!prediction || typeof prediction !== 'object' || !Array.isArray(prediction.result)) {
    failed.push({ task: task.id!, error: 'no prediction for this task' });
    return;
  }
  const li = model.labelInterface;
  if (li) {
    const { ok, errors } = validatePrediction(li, prediction as Parameters<typeof validatePrediction>[1]);
    if (!ok) {
      failed.push({ task: task.id!, error: `prediction does not match the label config: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}` });
      return;
    }
  }
  writes.push({
    task: task.id!,
    result: prediction.result as PredictionWrite['result'],
    ...(typeof prediction.score === 'number' ? { score: prediction.score } : {}),
    model_version: version,
  });
}

/** A planned bulk job. */
export interface BulkPlan {
  /** The bulk job id (`bulk-…`), for `/job_status`. */
  id: string;
  /** Tasks to predict. */
  total: number;
  /** Chunk payloads, in order. */
  chunks: BulkChunkPayload[];
  /** The label config the model is set up with. */
  labelConfig: string | null;
}

/** Task-list pages a plan reads at once. */
const PLAN_READS_AT_ONCE = 4;

/**
 * List the project's tasks (filtered) page by page; each page of ids becomes one chunk. With
 * `onlyMissing`, tasks that already carry a prediction of `modelVersion` are left out.
 */
export async function planBulkPredict(client: LabelStudioClient, spec: BulkPredictSpec, modelVersion: string | undefined, signal?: AbortSignal): Promise<BulkPlan> {
  return listPlan(client, spec, modelVersion, signal);
}

/**
 * Plan a bulk job and put its chunks on the queue. Without `onlyMissing` and without a `view`, each
 * chunk is submitted as soon as its page is read (in page order), so workers load the model and start
 * while the rest of a large project is listed; its payload's `chunks` and `total` are then Label
 * Studio's counts when listing began (`/job_status` sums the chunks). With a filter, pages would shift
 * under the chunks' writes (a page of "tasks without this prediction" changes as they are written), so
 * the whole list is read first. If listing fails, the chunks already submitted are canceled.
 */
export async function planAndSubmitBulk(
  queue: TrainingQueue,
  client: LabelStudioClient,
  spec: BulkPredictSpec,
  modelVersion: string | undefined,
  signal?: AbortSignal,
): Promise<BulkPlan> {
  const filtered = (spec.onlyMissing && modelVersion !== undefined) || spec.view !== undefined;
  if (filtered) {
    const plan = await listPlan(client, spec, modelVersion, signal);
    await submitBulkPlan(queue, plan);
    return plan;
  }
  const submitter = new ChunkSubmitter();
  let jobId: string | undefined;
  try {
    const plan = await listPlan(client, spec, modelVersion, signal, (chunk, total, labelConfig) => {
      jobId = chunk.bulkJob;
      submitter.add(() => submitChunk(queue, chunk, total, labelConfig));
    });
    await submitter.done();
    return plan;
  } catch (err) {
    await submitter.done().catch(() => undefined);
    if (jobId) await cancelBulk(queue, jobId).catch(() => 0);
    throw err;
  }
}

/** Called with each chunk, in order, as soon as the pages up to it are read. */
type OnChunk = (chunk: BulkChunkPayload, estimatedTotal: number, labelConfig: string | null) => void;

async function listPlan(client: LabelStudioClient, spec: BulkPredictSpec, modelVersion: string | undefined, signal?: AbortSignal, onChunk?: OnChunk): Promise<BulkPlan> {
  const chunkSize = spec.chunkSize ?? 500;
  const labelConfig =
    spec.labelConfig ?? ((await client.getProject(spec.project)) as { label_config?: string }).label_config ?? null;
  const id = `bulk-${randomUUID()}`;
  const onlyMissing = spec.onlyMissing && modelVersion !== undefined;
  const batch = spec.batch ?? 64;
  const readPage = (page: number) =>
    client.listTasks(spec.project, {
      page,
      pageSize: chunkSize,
      view: spec.view,
      ...(onlyMissing ? { missingModelVersion: modelVersion } : {}),
      // Without a client-side filter the ids are enough: much smaller pages (no task data).
      ...(onlyMissing ? { fields: 'all' as const } : { fields: 'task_only' as const, include: ['id'] }),
      signal,
    });
  const idLists: number[][] = [];
  const pages: TaskListPage[] = [];
  let estimate = { chunks: 1, total: 0 };
  // Pages are used in order as soon as every page before them is in; stop at the last one.
  let used = 0;
  let ended = false;
  const useReady = () => {
    while (!ended && pages[used] !== undefined) {
      const res = pages[used++]!;
      const ids = res.tasks.map((t) => t.id!).filter((n) => n !== undefined);
      if (ids.length) {
        idLists.push(ids);
        onChunk?.({ bulkJob: id, index: idLists.length - 1, chunks: estimate.chunks, project: spec.project, taskIds: ids, batch }, estimate.total, labelConfig);
      }
      if (res.last) ended = true;
    }
  };
  // Page 1 tells how many pages there are; the rest are read a few at a time (a 100,000-task project
  // is 100 pages: one after another they were most of the time before the first chunk could start).
  // Pages past the end read as empty; a project that grew meanwhile is read on.
  const first = await readPage(1);
  const expected = first.last ? 1 : Math.max(2, Math.ceil(first.total / chunkSize));
  estimate = { chunks: expected, total: first.last ? first.tasks.length : first.total };
  pages[0] = first;
  useReady();
  if (!ended) {
    let next = 2;
    const lane = async () => {
      while (next <= expected) {
        const page = next++;
        pages[page - 1] = await readPage(page);
        useReady();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PLAN_READS_AT_ONCE, expected - 1) }, lane));
    for (let page = expected + 1; !ended; page++) {
      pages[page - 1] = await readPage(page);
      useReady();
    }
  }
  const chunks = idLists.map((taskIds, index) => ({ bulkJob: id, index, chunks: idLists.length, project: spec.project, taskIds, batch }));
  return { id, total: chunks.reduce((n, c) => n + c.taskIds.length, 0), chunks, labelConfig };
}

/**
 * A plan for known task ids (the `TASKS_CREATED` webhook carries them): no listing, just chunks.
 */
export function planForTaskIds(project: number, taskIds: number[], labelConfig: string | null, options: { batch?: number; chunkSize?: number } = {}): BulkPlan {
  const chunkSize = options.chunkSize ?? 500;
  const id = `bulk-${randomUUID()}`;
  const count = Math.ceil(taskIds.length / chunkSize);
  const chunks = Array.from({ length: count }, (_, index) => ({
    bulkJob: id,
    index,
    chunks: count,
    project,
    taskIds: taskIds.slice(index * chunkSize, (index + 1) * chunkSize),
    batch: options.batch ?? 64,
  }));
  return { id, total: taskIds.length, chunks, labelConfig };
}

/** The queue "project" of a chunk job: chunks must not coalesce with each other or with training. */
export function chunkQueueKey(bulkJob: string, index: number): string {
  return `${bulkJob}:${index}`;
}

/** Chunk jobs a plan submits at once. */
const SUBMITS_AT_ONCE = 8;

function submitChunk(queue: TrainingQueue, chunk: BulkChunkPayload, total: number, labelConfig: string | null): Promise<unknown> {
  return queue.submit(
    chunkQueueKey(chunk.bulkJob, chunk.index),
    labelConfig,
    { event: BULK_PREDICT_EVENT, data: { ...chunk, total } as unknown as Record<string, unknown>, receivedAt: new Date().toISOString() },
    { parallel: true },
  );
}

/**
 * Submits a few chunks at once (each is several Redis round trips on BullMQ: 100 chunks one after
 * another kept the planning request open for ~0.5 s), taken in the order they were added.
 */
class ChunkSubmitter {
  private readonly waiting: Array<() => Promise<unknown>> = [];
  private lanes = 0;
  private error: { value: unknown } | undefined;
  private idle: Array<() => void> = [];

  add(submit: () => Promise<unknown>): void {
    this.waiting.push(submit);
    if (this.lanes < SUBMITS_AT_ONCE) void this.lane();
  }

  /** Wait for every added submit; throws the first error. */
  async done(): Promise<void> {
    if (this.lanes > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.error) throw this.error.value;
  }

  private async lane(): Promise<void> {
    this.lanes++;
    try {
      while (this.waiting.length && !this.error) {
        try {
          await this.waiting.shift()!();
        } catch (err) {
          this.error ??= { value: err };
        }
      }
    } finally {
      this.lanes--;
      if (this.lanes === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }
}

/** Put every chunk of a plan on the queue (each its own job). */
export async function submitBulkPlan(queue: TrainingQueue, plan: BulkPlan): Promise<void> {
  const submitter = new ChunkSubmitter();
  for (const chunk of plan.chunks) submitter.add(() => submitChunk(queue, chunk, plan.total, plan.labelConfig));
  await submitter.done();
}

/** The chunk payload of a queue job, or undefined for a training job. */
export function bulkChunkOf(job: TrainingJob): BulkChunkPayload | undefined {
  const event = job.events[0];
  if (!event || event.event !== BULK_PREDICT_EVENT) return undefined;
  return event.data as unknown as BulkChunkPayload;
}

/** The state of a bulk job, aggregated from its chunk jobs. */
export interface BulkStatus {
  /** Bulk job id. */
  job: string;
  /** `queued` (nothing started), `started`, `finished` (every chunk done) or `failed` (a chunk failed or it was canceled). */
  job_status: JobStatus;
  /** Label Studio project. */
  project: number | null;
  /** Tasks handled (written, skipped or failed) so far. */
  done: number;
  /** Tasks in the job. */
  total: number;
  /** Percent done. */
  progress: number;
  /** Predictions written. */
  written: number;
  /** Tasks that already had one. */
  skipped: number;
  /** Duplicate predictions removed by chunks that raced another run of themselves (a stalled worker). */
  deduplicated: number;
  /** Chunks finished / all. */
  chunks_done: number;
  /** Chunk count. */
  chunks: number;
  /** Tasks per second since the first chunk started. */
  rate: number;
  /** Seconds left at that rate, or null. */
  eta_s: number | null;
  /** Tasks that got no prediction (first 1000). */
  failed_tasks: BulkTaskFailure[];
  /** Count of failed tasks. */
  failed: number;
  /** Chunk errors (a chunk that failed as a whole). */
  errors: string[];
}

/** Aggregate the chunk jobs of `bulkJob`, or null when there are none. */
export async function bulkStatus(queue: TrainingQueue, bulkJob: string): Promise<BulkStatus | null> {
  const prefix = `${bulkJob}:`;
  return aggregate(bulkJob, (await queue.listJobs()).filter((j) => j.projectId.startsWith(prefix)));
}

/** Every bulk job on the queue, aggregated (for the Prometheus metrics). */
export async function listBulkStatuses(queue: TrainingQueue): Promise<BulkStatus[]> {
  const groups = new Map<string, TrainingJob[]>();
  for (const j of await queue.listJobs()) {
    const chunk = bulkChunkOf(j);
    if (!chunk) continue;
    const list = groups.get(chunk.bulkJob) ?? [];
    list.push(j);
    groups.set(chunk.bulkJob, list);
  }
  return [...groups].map(([id, jobs]) => aggregate(id, jobs)).filter((s): s is BulkStatus => s !== null);
}

function aggregate(bulkJob: string, jobs: TrainingJob[]): BulkStatus | null {
  if (jobs.length === 0) return null;
  let done = 0;
  let written = 0;
  let skipped = 0;
  let deduplicated = 0;
  let chunksDone = 0;
  let total = 0;
  let project: number | null = null;
  const failedTasks: BulkTaskFailure[] = [];
  let failedCount = 0;
  const errors: string[] = [];
  let started = Infinity;
  let any = false;
  let anyFailed = false;
  for (const j of jobs) {
    const chunk = bulkChunkOf(j);
    if (!chunk) continue;
    project = chunk.project;
    // The sum of the chunks, not the payload's `total`: a plan submitted as it was listed carries
    // Label Studio's count from when listing began.
    total += chunk.taskIds.length;
    if (j.startedAt) started = Math.min(started, Date.parse(j.startedAt));
    if (j.status !== 'queued') any = true;
    if (j.status === 'finished') {
      chunksDone++;
      const r = j.result as BulkChunkResult;
      done += chunk.taskIds.length;
      written += r.written;
      skipped += r.skipped;
      deduplicated += r.deduplicated ?? 0;
      failedCount += r.failed.length;
      for (const f of r.failed) if (failedTasks.length < 1000) failedTasks.push(f);
    } else if (j.status === 'started') {
      done += Math.round((j.progress / 100) * chunk.taskIds.length);
    } else if (j.status === 'failed') {
      anyFailed = true;
      if (j.error) errors.push(`chunk ${chunk.index}: ${j.error}`);
    }
  }
  const elapsedS = Number.isFinite(started) ? Math.max(0.001, (Date.now() - started) / 1000) : 0;
  const rate = elapsedS ? done / elapsedS : 0;
  const status: JobStatus = chunksDone === jobs.length ? 'finished' : anyFailed && jobs.every((j) => j.status === 'finished' || j.status === 'failed') ? 'failed' : any ? 'started' : 'queued';
  return {
    job: bulkJob,
    job_status: status,
    project,
    done,
    total,
    progress: total ? Math.round((done / total) * 1000) / 10 : 100,
    written,
    skipped,
    deduplicated,
    chunks_done: chunksDone,
    chunks: jobs.length,
    rate: Math.round(rate * 10) / 10,
    eta_s: rate > 0 ? Math.round((total - done) / rate) : null,
    failed_tasks: failedTasks,
    failed: failedCount,
    errors,
  };
}

/** Cancel every chunk of a bulk job that has not finished; returns how many were canceled. */
export async function cancelBulk(queue: TrainingQueue, bulkJob: string): Promise<number> {
  const jobs = (await queue.listJobs()).filter((j) => j.projectId.startsWith(`${bulkJob}:`));
  let n = 0;
  for (const j of jobs) if (j.status === 'queued' || j.status === 'started') if (await queue.cancel(j.id)) n++;
  return n;
}
