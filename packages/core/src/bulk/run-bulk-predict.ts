import { loadConfig, type ServerConfig } from '../config.js';
import { LabelStudioClient } from '../label-studio/label-studio-client.js';
import { createLogger } from '../logger.js';
import type { BackendClass } from '../model/label-studio-ml-base.js';
import { ModelRegistry } from '../server/model-registry.js';
import { createStateStore } from '../state/create-state-store.js';
import { createTrainingQueue } from '../training/create-training-queue.js';
import { createJobProcessor } from '../training/run-training-job.js';
import { bulkStatus, cancelBulk, planAndSubmitBulk, type BulkPredictSpec, type BulkStatus } from './bulk-predict.js';

/** Options of {@link runBulkPredict}. */
export interface RunBulkPredictOptions {
  /** Environment (`LABEL_STUDIO_URL`, `LABEL_STUDIO_API_KEY`, `QUEUE`, ...); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Resume this bulk job (its chunks are on the queue) instead of planning a new one. */
  resume?: string;
  /** Take chunks in this process too (default true; with false only `lsml worker`s do the work). */
  work?: boolean;
  /** Where progress goes (default `process.stderr`); a TTY gets a bar, anything else progress lines. */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** How often progress is read and shown (default 500 ms; lines at most every 5 s). */
  pollMs?: number;
  /** Stop waiting (cancel the job) when aborted. */
  signal?: AbortSignal;
}

/** Format one progress display. */
export function formatBulkProgress(s: BulkStatus, width = 30): string {
  const frac = s.total ? Math.min(1, s.done / s.total) : 1;
  const filled = Math.round(frac * width);
  const eta = s.eta_s === null ? '?' : `${s.eta_s}s`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${s.done}/${s.total} (${(frac * 100).toFixed(1)}%) ${s.rate} tasks/s ETA ${eta} failed ${s.failed}`;
}

/**
 * `lsml predict`: plan a bulk prediction job for a Label Studio project, put its chunks on the queue
 * (`QUEUE`: embedded by default, or BullMQ so `lsml worker`s elsewhere share them), work on them here,
 * show progress and resolve with the final status. Interrupting it cancels the job's chunks; a killed
 * run is continued with `resume`.
 */
export async function runBulkPredict(
  ModelClass: BackendClass,
  spec: BulkPredictSpec,
  overrides: Partial<ServerConfig> = {},
  options: RunBulkPredictOptions = {},
): Promise<BulkStatus> {
  const env = options.env ?? process.env;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<ServerConfig>;
  const config = loadConfig(defined, env);
  const logger = createLogger({ level: config.logLevel });
  const store = createStateStore(config);
  const queue = createTrainingQueue({ ...config, cacheType: store.kind }, logger, env);
  const registry = new ModelRegistry(ModelClass, { store, logger });
  const out = options.out ?? process.stderr;
  try {
    let job = options.resume;
    if (!job) {
      const client = new LabelStudioClient({ env });
      let version: string | undefined;
      if (spec.onlyMissing) {
        const lease = await registry.acquire(String(spec.project), spec.labelConfig ?? null);
        try {
          await lease.model.refresh();
          version = lease.model.modelVersion;
        } finally {
          lease.release();
        }
      }
      const plan = await planAndSubmitBulk(queue, client, spec, version, options.signal);
      job = plan.id;
      out.write(`bulk job ${plan.id}: ${plan.total} tasks in ${plan.chunks.length} chunks (resume with --resume ${plan.id})\n`);
    }
    if (options.work ?? true) queue.startWorker(createJobProcessor({ registry, modelDir: config.modelDir, logger, env }));
    const pollMs = options.pollMs ?? 500;
    let lastLine = 0;
    for (;;) {
      if (options.signal?.aborted) {
        await cancelBulk(queue, job);
        out.write(`\ncanceled ${job}\n`);
      }
      const s = await bulkStatus(queue, job);
      if (!s) throw new Error(`No bulk job ${job} on this queue`);
      const finished = s.job_status === 'finished' || s.job_status === 'failed';
      if (out.isTTY) out.write(`\r${formatBulkProgress(s)}${finished ? '\n' : ''}`);
      else if (finished || Date.now() - lastLine >= Math.max(pollMs, 5000)) {
        out.write(`${formatBulkProgress(s)}\n`);
        lastLine = Date.now();
      }
      if (finished) {
        const ids = s.failed_tasks.map((f) => f.task);
        const dupes = s.deduplicated ? `, ${s.deduplicated} duplicates removed (a chunk ran twice at once)` : '';
        out.write(`${s.job_status}: ${s.written} written, ${s.skipped} already there${dupes}, ${s.failed} failed${ids.length ? ` (tasks ${ids.join(', ')})` : ''}\n`);
        for (const e of s.errors) out.write(`error: ${e}\n`);
        return s;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    await queue.close();
    await registry.close();
    await store.close();
  }
}
