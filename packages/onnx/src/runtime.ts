// Loading onnxruntime-node sessions: session options, execution providers, and one shared session per
// model file per process.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, listSupportedBackends } from 'onnxruntime-node';

/** Execution providers lsml knows how to check; others are passed to onnxruntime unchecked. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'tensorrt' | 'webgpu' | 'coreml' | 'dml' | (string & {});

/** How an onnxruntime session is created: execution providers, threads, graph optimisation. */
export interface OnnxSessionOptions {
  /**
   * `'auto'` (default): CUDA when onnxruntime-node has its CUDA binaries and a GPU answers, CPU otherwise.
   * A list is taken as asked, in order of preference, and a provider that cannot load is an error.
   */
  executionProviders?: 'auto' | ReadonlyArray<ExecutionProvider | InferenceSession.ExecutionProviderConfig>;
  /** Threads used inside one operator (default: onnxruntime's, one per physical core). */
  intraOpNumThreads?: number;
  /** Threads used across operators with `executionMode: 'parallel'`. */
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  /** Default `'all'`. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Fix symbolic dims ahead of time, e.g. `{ batch: 1 }`, so onnxruntime can plan static shapes. */
  freeDimensionOverrides?: Record<string, number>;
  /** onnxruntime's own log level for this session: 0 verbose … 4 fatal (default 3, errors only). */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /** Anything else onnxruntime accepts; it wins over the fields above. */
  extra?: InferenceSession.SessionOptions;
}

/** A requested execution provider is not available on this machine or install. */
export class OnnxProviderError extends Error {
  constructor(
    readonly provider: string,
    message: string,
  ) {
    super(message);
    this.name = 'OnnxProviderError';
  }
}

/** The model file could not be read or parsed by onnxruntime. */
export class OnnxLoadError extends Error {
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OnnxLoadError';
  }
}

/** An `.onnx` model: a path (relative to the working directory), a `file:` URL, or its bytes. */
export type ModelSource = string | URL | Uint8Array | ArrayBuffer;

/** An onnxruntime session with the execution providers it runs on. */
export interface LoadedSession {
  session: InferenceSession;
  /** The providers the session was created with, e.g. `['cpu']` or `['cuda', 'cpu']`. */
  executionProviders: string[];
  /** Absolute path, or `'<bytes>'` for a model given as bytes. */
  source: string;
}

const localRequire = createRequire(import.meta.url);

/** Where onnxruntime-node keeps its native libraries for this platform. */
function ortBinDir(): string | undefined {
  try {
    const pkg = localRequire.resolve('onnxruntime-node/package.json');
    return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/** onnxruntime-node's platform backends (`cpu`, `cuda`, …), whether or not their binaries are installed. */
export function supportedProviders(): string[] {
  return listSupportedBackends().map((b) => b.name);
}

/**
 * Whether the CUDA provider can be tried: onnxruntime-node lists it for this platform and its provider
 * libraries were installed (its install script skips them with `--onnxruntime-node-install=skip`).
 */
export function hasCudaBinaries(): boolean {
  if (!supportedProviders().includes('cuda')) return false;
  const dir = ortBinDir();
  return dir !== undefined && fs.existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so'));
}

function providerName(p: ExecutionProvider | InferenceSession.ExecutionProviderConfig): string {
  return typeof p === 'string' ? p : p.name;
}

/** Check a requested provider before onnxruntime fails on it with a less helpful message. */
function assertProviderAvailable(name: string): void {
  if (name === 'cpu') return;
  const supported = supportedProviders();
  if (!supported.includes(name)) {
    throw new OnnxProviderError(
      name,
      `Execution provider "${name}" is not available in onnxruntime-node on ${process.platform}/${process.arch} ` +
        `(available: ${supported.join(', ')}). Use executionProviders: 'auto' or ['cpu'].`,
    );
  }
  if ((name === 'cuda' || name === 'tensorrt') && !hasCudaBinaries()) {
    throw new OnnxProviderError(
      name,
      `Execution provider "${name}" was requested but onnxruntime-node's CUDA binaries are not installed ` +
        `(they are skipped with --onnxruntime-node-install=skip or ONNXRUNTIME_NODE_INSTALL=skip). ` +
        `Reinstall onnxruntime-node on a machine with CUDA 12, or use executionProviders: 'auto' or ['cpu'].`,
    );
  }
}

function toSessionOptions(options: OnnxSessionOptions, providers: InferenceSession.SessionOptions['executionProviders']): InferenceSession.SessionOptions {
  const o: InferenceSession.SessionOptions = {
    executionProviders: providers,
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    logSeverityLevel: options.logSeverityLevel ?? 3,
  };
  if (options.intraOpNumThreads !== undefined) o.intraOpNumThreads = options.intraOpNumThreads;
  if (options.interOpNumThreads !== undefined) o.interOpNumThreads = options.interOpNumThreads;
  if (options.executionMode !== undefined) o.executionMode = options.executionMode;
  if (options.freeDimensionOverrides !== undefined) o.freeDimensionOverrides = options.freeDimensionOverrides;
  return { ...o, ...options.extra };
}

/** Resolve a path or file URL to an absolute path; bytes stay bytes. */
export function resolveSource(source: ModelSource): string | Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (source instanceof URL || source.startsWith('file:')) return fileURLToPath(source);
  return path.resolve(source);
}

async function create(model: string | Uint8Array, options: InferenceSession.SessionOptions): Promise<InferenceSession> {
  return typeof model === 'string' ? InferenceSession.create(model, options) : InferenceSession.create(model, options);
}

/**
 * Create an `InferenceSession` (not cached: see `loadOnnxModel` for the shared one). Errors name the file,
 * and the provider when one is missing.
 */
export async function createSession(source: ModelSource, options: OnnxSessionOptions = {}): Promise<LoadedSession> {
  const model = resolveSource(source);
  const label = typeof model === 'string' ? model : '<bytes>';
  if (typeof model === 'string' && !fs.existsSync(model)) {
    throw new OnnxLoadError(label, `ONNX model not found: ${model}`);
  }
  const requested = options.executionProviders ?? 'auto';

  if (requested === 'auto') {
    if (hasCudaBinaries()) {
      try {
        return { session: await create(model, toSessionOptions(options, ['cuda', 'cpu'])), executionProviders: ['cuda', 'cpu'], source: label };
      } catch {
        // The binaries are there but no usable GPU/driver: CPU is what 'auto' promises then.
      }
    }
    return { session: await createOrExplain(model, label, toSessionOptions(options, ['cpu'])), executionProviders: ['cpu'], source: label };
  }

  for (const p of requested) assertProviderAvailable(providerName(p));
  // onnxruntime runs on CPU when given no provider; say so.
  const providers = (requested.length > 0 ? [...requested] : ['cpu']) as InferenceSession.ExecutionProviderConfig[];
  const names = providers.map(providerName);
  const session = await createOrExplain(model, label, toSessionOptions(options, providers), names);
  return { session, executionProviders: names, source: label };
}

async function createOrExplain(model: string | Uint8Array, label: string, options: InferenceSession.SessionOptions, providers: string[] = ['cpu']): Promise<InferenceSession> {
  try {
    return await create(model, options);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const provider = providers.find((p) => p !== 'cpu' && message.toLowerCase().includes(p.toLowerCase()));
    if (provider) {
      throw new OnnxProviderError(provider, `Execution provider "${provider}" failed to start for ${label}: ${message}`);
    }
    throw new OnnxLoadError(label, `Could not load ONNX model ${label}: ${message}`, { cause: err });
  }
}
