// Where models come from (a hub id through the download cache, or a local folder read offline) and one
// shared pipeline per (library, task, model, options) per process, which every runtime and project
// using that model holds; the last holder to let go disposes it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeLogger } from '@lsml/core';
import { TransformersError } from './errors.js';
import { loadTransformers, type LibraryName, type TransformersLibrary } from './library.js';
import type { EnvLike, PipelineFactoryOptions, PipelineLike, ProgressInfo } from './library-types.js';
import { checkLocalModel, expectedFiles, isLocalModel, type ModelDtype, type TransformersTask } from './model-files.js';

const silentLogger: RuntimeLogger = { info() {}, warn() {}, debug() {} };

/** Where a model comes from and how it is loaded. */
export interface ModelSourceOptions {
  /**
   * A hub id (`Xenova/bert-base-NER`: downloaded on first use into `cacheDir`) or a local folder
   * (absolute, `./…`, `../…` or `file:` URL: read with remote downloads off).
   */
  model: string;
  /** ONNX weight variant (default `auto`). */
  dtype?: ModelDtype;
  /** Hub revision (branch, tag or commit; default `main`). */
  revision?: string;
  /** Download cache for hub models (default: `LSML_TRANSFORMERS_CACHE`, else the library's own). */
  cacheDir?: string;
  /** Hub ids: use the cache only, never download. */
  localFilesOnly?: boolean;
  /** Hub mirror, e.g. `https://hf-mirror.example/` (default `HF_ENDPOINT`, else huggingface.co). */
  remoteHost?: string;
  /** v3/v4: `cpu` (default in Node), `cuda`, `webgpu`… */
  device?: string;
  /** v3/v4: onnxruntime session options (threads, graph optimisation…). */
  sessionOptions?: Record<string, unknown>;
  /** Library choice; see `loadTransformers`. */
  library?: LibraryName | 'auto';
}

/** One pipeline to load: a task and its model source. */
export interface PipelineRequest extends ModelSourceOptions {
  /** The transformers.js pipeline task. */
  task: TransformersTask;
}

/** A loaded, shared pipeline and what it was loaded from. */
export interface LoadedPipeline {
  /** Identifies the pipeline among the process's shared ones (library, task, model, options). */
  readonly key: string;
  /** The transformers.js task it was built for. */
  readonly task: TransformersTask;
  /** Hub id, or the absolute folder. */
  readonly model: string;
  /** `hub`: downloaded into (or read from) the cache; `local`: a folder read offline. */
  readonly source: 'hub' | 'local';
  /** The weight variant that was loaded. */
  readonly dtype: ModelDtype;
  /** The library that loaded it. */
  readonly library: TransformersLibrary;
  /** The transformers.js pipeline object. */
  readonly pipe: PipelineLike;
  /** Per-pipeline singletons (micro-batchers…), shared by every project using this pipeline. */
  shared<T>(name: string, create: () => T): T;
}

interface Entry {
  readonly pending: Promise<LoadedPipeline>;
  /** Runtimes holding it (`retainPipeline`); `getPipeline` alone does not count. */
  holders: number;
}

const pipelines = new Map<string, Entry>();

/** Loads run one at a time: they set the library's process-wide `env` for their source. */
let loadChain: Promise<unknown> = Promise.resolve();

function resolveModel(model: string): { model: string; source: 'hub' | 'local' } {
  if (!isLocalModel(model)) return { model, source: 'hub' };
  const dir = model.startsWith('file:') ? fileURLToPath(model) : path.resolve(model);
  return { model: dir, source: 'local' };
}

function defaultCacheDir(env: EnvLike): string | null {
  return process.env.LSML_TRANSFORMERS_CACHE || env.cacheDir;
}

/**
 * The shared pipeline for `request`, loading it on first use. Concurrent callers share one load; a
 * failed load is forgotten so the next call retries.
 */
export async function getPipeline(request: PipelineRequest, options: { logger?: RuntimeLogger } = {}): Promise<LoadedPipeline> {
  return (await entryFor(request, options.logger)).pending;
}

async function entryFor(request: PipelineRequest, logger: RuntimeLogger | undefined): Promise<Entry> {
  const library = await loadTransformers({ library: request.library ?? 'auto' });
  const { model, source } = resolveModel(request.model);
  const key = JSON.stringify([
    library.name,
    request.task,
    model,
    request.dtype ?? 'auto',
    request.revision ?? 'main',
    request.device ?? null,
    request.cacheDir ?? null,
    request.sessionOptions ?? null,
  ]);
  let entry = pipelines.get(key);
  if (!entry) {
    const run = loadChain.then(() => loadPipeline(key, library, { ...request, model }, source, logger ?? silentLogger));
    loadChain = run.catch(() => undefined);
    const created: Entry = { pending: run, holders: 0 };
    entry = created;
    pipelines.set(key, created);
    run.catch(() => {
      if (pipelines.get(key) === created) pipelines.delete(key);
    });
  }
  return entry;
}

/**
 * Like `getPipeline`, and counts the caller as a holder: `release()` lets go, and the last holder's
 * release disposes the pipeline. Runtimes use this, so a model shared by several projects stays
 * loaded until the last of them is disposed.
 */
export async function retainPipeline(
  request: PipelineRequest,
  options: { logger?: RuntimeLogger } = {},
): Promise<{
  /** The shared pipeline. */
  loaded: LoadedPipeline;
  /** Let go of it (idempotent); the last holder's release disposes it. */
  release: () => Promise<void>;
}> {
  const entry = await entryFor(request, options.logger);
  entry.holders++;
  let loaded: LoadedPipeline;
  try {
    loaded = await entry.pending;
  } catch (err) {
    entry.holders--;
    throw err;
  }
  let released = false;
  return {
    loaded,
    release: async () => {
      if (released) return;
      released = true;
      entry.holders--;
      if (entry.holders > 0 || pipelines.get(loaded.key) !== entry) return;
      pipelines.delete(loaded.key);
      await loaded.pipe.dispose?.();
    },
  };
}

/** Pipelines loaded (or loading) in this process. */
export function loadedPipelineCount(): number {
  return pipelines.size;
}

/** Dispose every shared pipeline (tests, graceful shutdown). */
export async function releaseAllPipelines(): Promise<void> {
  const all = [...pipelines.values()];
  pipelines.clear();
  await Promise.all(
    all.map(async (e) => {
      try {
        await (await e.pending).pipe.dispose?.();
      } catch {
        /* a failed load has nothing to dispose */
      }
    }),
  );
}

async function loadPipeline(
  key: string,
  library: TransformersLibrary,
  request: PipelineRequest,
  source: 'hub' | 'local',
  logger: RuntimeLogger,
): Promise<LoadedPipeline> {
  const { env } = library.module;
  let dtype: ModelDtype = request.dtype ?? 'auto';
  let modelArg = request.model;
  const cacheDir = request.cacheDir ?? defaultCacheDir(env);
  const factoryOptions: PipelineFactoryOptions = { progress_callback: progressLogger(logger, request.model, source, cacheDir) };
  if (request.revision) factoryOptions.revision = request.revision;

  const saved: EnvLike = { ...env };
  try {
    if (source === 'local') {
      dtype = checkLocalModel(request.model, request.task, library, dtype);
      // A folder never touches the network (the allowRemoteModels=false) nor the cache.
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.useFSCache = false;
      factoryOptions.local_files_only = true;
      if (library.major >= 3) {
        // v3+ takes an absolute path as the model id.
      } else {
        // v2 always prefixes localModelPath: point it at the parent folder for this load.
        env.localModelPath = `${path.dirname(request.model)}${path.sep}`;
        modelArg = path.basename(request.model);
      }
    } else {
      env.allowRemoteModels = !request.localFilesOnly;
      // Hub ids are looked up in the cache and on the hub only, not under localModelPath (v2 warns for each miss).
      env.allowLocalModels = false;
      env.useFSCache = true;
      if (cacheDir) env.cacheDir = cacheDir;
      const host = request.remoteHost ?? process.env.HF_ENDPOINT;
      if (host) env.remoteHost = host.endsWith('/') ? host : `${host}/`;
      if (request.localFilesOnly) factoryOptions.local_files_only = true;
    }
    Object.assign(factoryOptions, dtypeOptions(library, dtype, request));
    if (cacheDir && source === 'hub') factoryOptions.cache_dir = cacheDir;

    const started = performance.now();
    logger.debug({ task: request.task, model: request.model, library: `${library.name}@${library.version}`, dtype }, 'Loading transformers.js pipeline');
    let pipe: PipelineLike;
    try {
      pipe = await library.module.pipeline(request.task, modelArg, factoryOptions);
    } catch (err) {
      throw loadError(err, library, request, source, dtype, cacheDir);
    }
    logger.info(
      { task: request.task, model: request.model, source, library: `${library.name}@${library.version}`, dtype, ms: Math.round(performance.now() - started) },
      'Pipeline ready',
    );
    const singletons = new Map<string, unknown>();
    return {
      key,
      task: request.task,
      model: request.model,
      source,
      dtype,
      library,
      pipe,
      shared<T>(name: string, create: () => T): T {
        if (!singletons.has(name)) singletons.set(name, create());
        return singletons.get(name) as T;
      },
    };
  } finally {
    Object.assign(env, {
      allowRemoteModels: saved.allowRemoteModels,
      allowLocalModels: saved.allowLocalModels,
      localModelPath: saved.localModelPath,
      cacheDir: saved.cacheDir,
      remoteHost: saved.remoteHost,
      useFSCache: saved.useFSCache,
    });
  }
}

function dtypeOptions(library: TransformersLibrary, dtype: ModelDtype, request: PipelineRequest): PipelineFactoryOptions {
  const out: PipelineFactoryOptions = {};
  if (library.major >= 3) {
    if (dtype !== 'auto') out.dtype = dtype;
    if (request.device) out.device = request.device;
    if (request.sessionOptions) out.session_options = request.sessionOptions;
  } else {
    if (dtype !== 'auto') {
      if (dtype !== 'fp32' && dtype !== 'q8') {
        throw new TransformersError('invalid_settings', `@xenova/transformers ${library.version} only loads fp32 or q8 (quantized) weights, not dtype "${dtype}"`);
      }
      out.quantized = dtype === 'q8';
    }
    if (request.device && request.device !== 'cpu') {
      throw new TransformersError('provider_unavailable', `@xenova/transformers ${library.version} runs on the CPU only; device "${request.device}" needs @huggingface/transformers`);
    }
  }
  return out;
}

/** One error that says what was expected where, whatever the library threw. */
function loadError(
  err: unknown,
  library: TransformersLibrary,
  request: PipelineRequest,
  source: 'hub' | 'local',
  dtype: ModelDtype,
  cacheDir: string | null,
): TransformersError {
  if (err instanceof TransformersError) return err;
  const cause = err instanceof Error ? err.message : String(err);
  const resolved = dtype === 'auto' ? (library.major >= 3 ? 'fp32' : 'q8') : dtype;
  let files: string[];
  try {
    files = expectedFiles(request.task, library.major, resolved).required;
  } catch {
    files = ['config.json'];
  }
  const lib = `${library.name}@${library.version}`;
  if (source === 'local') {
    return new TransformersError('model_load', `Could not load the ${request.task} model in ${request.model} with ${lib}: ${cause}`, {
      details: { model: request.model, task: request.task, library: library.name, location: request.model, expected: files },
      cause: err,
    });
  }
  const cacheFolder = cacheDir ? path.join(cacheDir, request.model) : '(no cache directory)';
  const host = request.remoteHost ?? process.env.HF_ENDPOINT ?? library.module.env.remoteHost;
  const offline = /fetch failed|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|network|local_files_only|allowRemoteModels/i.test(cause);
  const how = request.localFilesOnly
    ? 'remote downloads are off (localFilesOnly)'
    : offline
      ? `the hub (${host}) could not be reached`
      : 'loading failed';
  return new TransformersError(
    'model_load',
    `Could not load "${request.model}" for ${request.task} with ${lib}: it is not complete in the cache (${cacheFolder}) and ${how}: ${cause}. ` +
      `Expected files: ${files.join(', ')}. Download them into ${cacheFolder}${path.sep} (or any folder, and set the model to that folder's path), or allow downloads.`,
    { details: { model: request.model, task: request.task, library: library.name, location: cacheFolder, expected: files }, cause: err },
  );
}

/** Download progress in the logs: start and end of each file, and every 25% in between. */
function progressLogger(logger: RuntimeLogger, model: string, source: 'hub' | 'local', cacheDir: string | null): (info: ProgressInfo) => void {
  const lastStep = new Map<string, number>();
  // Files already in the cache report progress too; only real downloads are logged at info.
  const cached = new Map<string, boolean>();
  const isCached = (file: string) => {
    let hit = cached.get(file);
    if (hit === undefined) {
      hit = cacheDir !== null && fs.existsSync(path.join(cacheDir, model, file));
      cached.set(file, hit);
    }
    return hit;
  };
  return (info) => {
    const file = info.file;
    if (!file) return;
    if (source === 'local' || isCached(file)) {
      if (info.status === 'done') logger.debug({ model, file }, source === 'local' ? 'Model file read' : 'Model file read from the cache');
      return;
    }
    if (info.status === 'progress' && typeof info.progress === 'number') {
      const step = Math.floor(info.progress / 25);
      if ((lastStep.get(file) ?? -1) < step) {
        lastStep.set(file, step);
        logger.info({ model, file, progress: Math.round(info.progress), loaded: info.loaded, total: info.total }, 'Downloading model file');
      }
    } else if (info.status === 'done') {
      logger.info({ model, file }, 'Downloaded model file');
    }
  };
}
