// Finding the transformers.js library at run time, configuring where models come from (hub + cache, or a
// local folder), and one shared pipeline per (library, task, model, options) per process.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvLike, PipelineFactoryOptions, PipelineLike, ProgressInfo, TransformersModule } from './library-types.js';
import { checkLocalModel, expectedFiles, isLocalModel, ModelLoadError, type ModelDtype, type TransformersTask } from './model-files.js';

/** The transformers.js packages lsml can use. */
export type LibraryName = '@huggingface/transformers' | '@xenova/transformers';

/** Preference order when both are installed: the maintained library first. */
export const LIBRARY_NAMES: readonly LibraryName[] = ['@huggingface/transformers', '@xenova/transformers'];

/** The transformers.js library loaded: its name, version and module. */
export interface TransformersLibrary {
  name: LibraryName;
  version: string;
  major: number;
  module: TransformersModule;
}

/** The minimal logger the runtime writes to (pino's shape). */
export interface RuntimeLogger {
  /** Log an info message. */
  info(obj: object, msg?: string): void;
  /** Log a warning. */
  warn(obj: object, msg?: string): void;
  /** Log a debug message. */
  debug(obj: object, msg?: string): void;
}

const silentLogger: RuntimeLogger = { info() {}, warn() {}, debug() {} };

const libraryCache = new Map<LibraryName, Promise<TransformersLibrary>>();

function isModuleNotFound(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string };
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes(name);
}

async function importLibrary(name: LibraryName): Promise<TransformersLibrary> {
  // Both are optional peers: a plain dynamic import, so bundlers and tsup leave them external.
  const mod = (await (name === '@huggingface/transformers' ? import('@huggingface/transformers') : import('@xenova/transformers'))) as unknown;
  return wrapModule(name, mod);
}

function wrapModule(name: LibraryName, mod: unknown): TransformersLibrary {
  const m = ((mod as { default?: unknown }).default && !(mod as { pipeline?: unknown }).pipeline
    ? (mod as { default: unknown }).default
    : mod) as TransformersModule;
  if (typeof m?.pipeline !== 'function' || typeof m.env !== 'object') {
    throw new Error(`${name} does not look like transformers.js (no pipeline/env export)`);
  }
  const version = String(m.env.version ?? '0.0.0');
  return { name, version, major: Number.parseInt(version, 10) || 0, module: m };
}

/** Options of {@link loadTransformers}. */
export interface LoadTransformersOptions {
  /**
   * Which library to use. `auto` (default): `LSML_TRANSFORMERS_LIBRARY` if set, else
   * @huggingface/transformers if installed, else @xenova/transformers.
   */
  library?: LibraryName | 'auto';
  /** Use this already-imported module instead of importing one (tests, bundlers). */
  module?: unknown;
}

/** Detect and import transformers.js; one import per library per process. */
export async function loadTransformers(options: LoadTransformersOptions = {}): Promise<TransformersLibrary> {
  if (options.module) {
    const named = options.library && options.library !== 'auto' ? options.library : guessName(options.module);
    return wrapModule(named, options.module);
  }
  const wanted = options.library && options.library !== 'auto' ? options.library : envLibrary();
  const order = wanted ? [wanted] : LIBRARY_NAMES;
  const missing: string[] = [];
  for (const name of order) {
    let pending = libraryCache.get(name);
    if (!pending) {
      pending = importLibrary(name);
      libraryCache.set(name, pending);
      pending.catch(() => libraryCache.delete(name));
    }
    try {
      return await pending;
    } catch (err) {
      if (!isModuleNotFound(err, name)) throw err;
      missing.push(name);
    }
  }
  throw new Error(
    wanted
      ? `${wanted} is not installed (asked for by ${options.library && options.library !== 'auto' ? 'the library option' : 'LSML_TRANSFORMERS_LIBRARY'}). Run: npm install ${wanted}`
      : '@lsml/transformers needs transformers.js: npm install @huggingface/transformers (or @xenova/transformers@^2.17 on older setups)',
  );
}

function envLibrary(): LibraryName | undefined {
  const v = process.env.LSML_TRANSFORMERS_LIBRARY?.trim();
  if (!v || v === 'auto') return undefined;
  if (!(LIBRARY_NAMES as readonly string[]).includes(v)) {
    throw new Error(`LSML_TRANSFORMERS_LIBRARY must be one of ${LIBRARY_NAMES.join(', ')} or auto, not "${v}"`);
  }
  return v as LibraryName;
}

function guessName(mod: unknown): LibraryName {
  const version = String((mod as { env?: { version?: string } }).env?.version ?? '');
  return Number.parseInt(version, 10) >= 3 ? '@huggingface/transformers' : '@xenova/transformers';
}

/** The root folder of an installed package (its exports map may hide package.json). */
function packageRoot(req: NodeJS.Require, name: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(req.resolve(name));
  } catch {
    return undefined;
  }
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Where each installed library resolves onnxruntime-node from. @huggingface/transformers 4.x pins the
 * same onnxruntime-node as @lsml/onnx, so npm installs one copy and both share its native binding;
 * @xenova/transformers 2.x brings its own (1.14).
 */
export function onnxRuntimeLocations(): Partial<Record<LibraryName, string>> {
  const out: Partial<Record<LibraryName, string>> = {};
  const req = createRequire(typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url));
  for (const name of LIBRARY_NAMES) {
    const root = packageRoot(req, name);
    if (!root) continue;
    const ort = packageRoot(createRequire(path.join(root, 'package.json')), 'onnxruntime-node');
    if (ort) out[name] = ort;
  }
  return out;
}

// ---- model source --------------------------------------------------------------------------------

/** Where a model comes from: a hub id or a local folder, and its weight dtype and device. */
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

/** A pipeline to load: its task and model. */
export interface PipelineRequest extends ModelSourceOptions {
  task: TransformersTask;
}

/** A loaded, shared pipeline and what it was loaded from. */
export interface LoadedPipeline {
  readonly key: string;
  readonly task: TransformersTask;
  /** Hub id, or the absolute folder. */
  readonly model: string;
  readonly source: 'hub' | 'local';
  readonly dtype: ModelDtype;
  readonly library: TransformersLibrary;
  readonly pipe: PipelineLike;
  /** Per-pipeline singletons (micro-batchers…), shared by every project using this pipeline. */
  shared<T>(name: string, create: () => T): T;
}

const pipelines = new Map<string, Promise<LoadedPipeline>>();

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
  let pending = pipelines.get(key);
  if (!pending) {
    const logger = options.logger ?? silentLogger;
    const run = loadChain.then(() => loadPipeline(key, library, { ...request, model }, source, logger));
    loadChain = run.catch(() => undefined);
    pending = run;
    pipelines.set(key, pending);
    pending.catch(() => pipelines.delete(key));
  }
  return pending;
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
    all.map(async (p) => {
      try {
        await (await p).pipe.dispose?.();
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
        throw new Error(`@xenova/transformers ${library.version} only loads fp32 or q8 (quantized) weights, not dtype "${dtype}"`);
      }
      out.quantized = dtype === 'q8';
    }
    if (request.device && request.device !== 'cpu') {
      throw new Error(`@xenova/transformers ${library.version} runs on the CPU only; device "${request.device}" needs @huggingface/transformers`);
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
): Error {
  if (err instanceof ModelLoadError) return err;
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
    return new ModelLoadError(`Could not load the ${request.task} model in ${request.model} with ${lib}: ${cause}`, {
      model: request.model,
      task: request.task,
      library: library.name,
      location: request.model,
      expected: files,
    }, { cause: err });
  }
  const cacheFolder = cacheDir ? path.join(cacheDir, request.model) : '(no cache directory)';
  const host = request.remoteHost ?? process.env.HF_ENDPOINT ?? library.module.env.remoteHost;
  const offline = /fetch failed|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|network|local_files_only|allowRemoteModels/i.test(cause);
  const how = request.localFilesOnly
    ? 'remote downloads are off (localFilesOnly)'
    : offline
      ? `the hub (${host}) could not be reached`
      : 'loading failed';
  return new ModelLoadError(
    `Could not load "${request.model}" for ${request.task} with ${lib}: it is not complete in the cache (${cacheFolder}) and ${how}: ${cause}. ` +
      `Expected files: ${files.join(', ')}. Download them into ${cacheFolder}${path.sep} (or any folder, and set the model to that folder's path), or allow downloads.`,
    { model: request.model, task: request.task, library: library.name, location: cacheFolder, expected: files },
    { cause: err },
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
