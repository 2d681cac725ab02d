import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { bulkChunkOf, runBulkChunk } from '../bulk/bulk-predict.js';
import { LabelStudioClient } from '../label-studio/label-studio-client.js';
import type { LabelStudioMLBase } from '../model/label-studio-ml-base.js';
import { bumpVersion } from '../model/model-version.js';
import type { ModelRegistry } from '../server/model-registry.js';
import type { ModelArtifacts } from './training-context.js';
import type { JobControl, JobOutcome, JobProcessor, TrainingJob } from './training-job.js';

/** Options of {@link createJobProcessor}. */
export interface JobProcessorOptions {
  registry: ModelRegistry;
  modelDir: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Keep ids and versions usable as single path segments. */
export function safeSegment(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned || '_';
}

/**
 * Runs one training job: `train()` writes into a temp dir; on success the dir is fsynced and renamed to
 * `MODEL_DIR/<project>/<version>/`, `train_output` is stored and `model_version` is bumped last — the
 * single switch point every process sees. On failure or cancellation nothing changes and the previous
 * version keeps serving.
 */
export function createJobProcessor(options: JobProcessorOptions): JobProcessor {
  let client: LabelStudioClient | undefined;
  return async (job, control) => {
    const chunk = bulkChunkOf(job);
    if (chunk) {
      // A chunk of a bulk prediction job: the project's instance, leased like /predict leases it.
      const lease = await options.registry.acquire(String(chunk.project), job.labelConfig);
      try {
        client ??= new LabelStudioClient({ env: options.env });
        const result = await runBulkChunk(lease.model, client, chunk, {
          signal: control.signal,
          onProgress: (handled, total) => control.progress((handled / total) * 100, `${handled}/${total} tasks`),
          // A retry, or a run whose worker lost its claim (stalled while alive), may have raced another
          // run of the chunk: it verifies and deduplicates. A first run that kept its claim did not.
          // A queue that cannot tell (no holdsClaim) counts as a possible race: verifying is only a read.
          mayHaveRaced: async () => job.attempts > 1 || !control.holdsClaim || !(await control.holdsClaim()),
          holdsClaim: control.holdsClaim?.bind(control),
        });
        if (result.verified) {
          const log = { job: job.id, bulk_job: chunk.bulkJob, chunk: chunk.index, attempt: job.attempts, deduplicated: result.deduplicated };
          if (result.deduplicated) options.logger.warn(log, 'Bulk chunk raced another run of itself; duplicate predictions removed');
          else options.logger.info(log, 'Bulk chunk verified after a possible race: no duplicate predictions');
        }
        return { result, modelVersion: result.modelVersion };
      } finally {
        lease.release();
      }
    }
    // Leased for the whole job: a label-config change or LRU eviction meanwhile must not dispose it.
    const lease = await options.registry.acquire(job.projectId, job.labelConfig);
    try {
      return await runJob(lease.model, job, control, options);
    } finally {
      lease.release();
    }
  };
}

async function runJob(model: LabelStudioMLBase, job: TrainingJob, control: JobControl, options: JobProcessorOptions): Promise<JobOutcome> {
  if (typeof model.train !== 'function') {
    throw new Error(`${model.constructor.name} has no train() method`);
  }
  const previousVersion = await model.getModelVersion();
  const nextVersion = bumpVersion(previousVersion);
  const projectDir = path.join(options.modelDir, safeSegment(job.projectId));
  const finalDir = path.join(projectDir, safeSegment(nextVersion));
  const tmpDir = path.join(projectDir, `.tmp-${safeSegment(job.id)}-${job.attempts}`);
  // A crashed earlier attempt of this job may have left its temp dir behind.
  const stalePrefix = `.tmp-${safeSegment(job.id)}-`;
  for (const name of await fs.promises.readdir(projectDir).catch(() => [] as string[])) {
    if (name.startsWith(stalePrefix)) await fs.promises.rm(path.join(projectDir, name), { recursive: true, force: true });
  }
  await fs.promises.mkdir(tmpDir, { recursive: true });
  const previous = await model.getJSON<ModelArtifacts>('model_artifacts');
  let client: LabelStudioClient | undefined;
  try {
    const result = await model.train({
      job,
      projectId: job.projectId,
      events: job.events,
      artifactDir: tmpDir,
      previousVersion,
      nextVersion,
      previousArtifactDir: previous && previous.version === previousVersion ? previous.dir : null,
      signal: control.signal,
      progress: control.progress,
      labelStudio: () => (client ??= new LabelStudioClient({ env: options.env })),
      logger: model.logger.child({ job: job.id }),
    });
    control.signal.throwIfAborted();
    const text = JSON.stringify(result ?? null);
    await fsyncTree(tmpDir);
    await fs.promises.rm(finalDir, { recursive: true, force: true });
    await fs.promises.rename(tmpDir, finalDir);
    await fsyncDir(projectDir);
    await model.set('train_output', text);
    await model.setJSON('model_artifacts', { version: nextVersion, dir: finalDir } satisfies ModelArtifacts);
    await model.setModelVersion(nextVersion);
    // Load the new version here at once; other processes pick it up on their next request.
    await model.refresh();
    return { result: result ?? null, modelVersion: nextVersion };
  } finally {
    await fs.promises.rm(tmpDir, { recursive: true, force: true }).catch(() => {});
  }
}

async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(p);
    else if (entry.isFile()) {
      const fh = await fs.promises.open(p, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  }
  await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
