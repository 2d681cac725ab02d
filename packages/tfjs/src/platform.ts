// The TF.js platform: backend selection and initialisation: tfjs-node (native TensorFlow) when it resolves, else the wasm
// backend (binaries ship inside its npm package), else the pure-JS cpu backend.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { TfjsError } from './errors.js';
import { registerFileSystemRouters } from './file-io.js';

/** A TF.js backend this package can select: native TensorFlow (tfjs-node), WebAssembly, or plain JS. */
export type TfjsBackendName = 'tensorflow' | 'wasm' | 'cpu';
/** A backend, or `auto` for the fastest that initialises (tensorflow → wasm → cpu). */
export type TfjsBackendChoice = TfjsBackendName | 'auto';

/** The environment variable that overrides the backend (`tensorflow`, `wasm`, `cpu` or `auto`). */
export const BACKEND_ENV_VAR = 'LSML_TFJS_BACKEND';

/**
 * The environment variable naming the folder the wasm backend reads its `.wasm` binaries from (default:
 * `@tensorflow/tfjs-backend-wasm`'s own `dist/`). For bundled deployments that ship the binaries
 * elsewhere; a folder without them makes wasm fail to start, and `auto` falls back to cpu.
 */
export const WASM_PATH_ENV_VAR = 'LSML_TFJS_WASM_PATH';

/** The optional peer packages that provide the `tensorflow` backend, preferred first. */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
/** One of `NATIVE_PACKAGES`. */
export type NativePackage = (typeof NATIVE_PACKAGES)[number];

/** Pino-compatible subset, so `this.logger` of a backend can be passed as is. */
export interface TfjsLogger {
  /** Which backend was chosen. */
  info(obj: object, msg?: string): void;
  /** tfjs-node installed but broken. */
  warn(obj: object, msg?: string): void;
}

/** Options of `initTfjs`. */
export interface InitTfjsOptions {
  /** Wins over `LSML_TFJS_BACKEND`; `auto` (the default) picks the fastest that works. */
  backend?: TfjsBackendChoice;
  /** Where to read `LSML_TFJS_BACKEND` (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Directories to resolve tfjs-node from (default: this package, then the working directory). */
  resolveFrom?: readonly string[];
  /** Where to log the choice (default: nowhere). */
  logger?: TfjsLogger;
  /** `tf.enableProdMode()`: skips debug checks and the "install tfjs-node" banner (default true). */
  prodMode?: boolean;
}

/** What was chosen and why; exposed for logs and metrics. */
export interface TfjsPlatform {
  /** The backend in use. */
  backend: TfjsBackendName;
  /** Where the choice came from. */
  source: 'option' | 'env' | 'auto';
  /** The package behind `tensorflow`, when that backend is active. */
  nativePackage: NativePackage | null;
  /** Backends tried before the chosen one, with the reason each was skipped. */
  skipped: Array<{
    /** A backend tried first. */
    backend: TfjsBackendName;
    /** Why it was not used. */
    reason: string;
  }>;
  /** `tf.version.tfjs`. */
  tfjsVersion: string;
  /** Time the selection took. */
  initMs: number;
}

const BACKENDS: readonly TfjsBackendName[] = ['tensorflow', 'wasm', 'cpu'];

let current: TfjsPlatform | null = null;
// Serialises initialisations: tf.setBackend is global, so two concurrent switches would race.
let queue: Promise<unknown> = Promise.resolve();
let wasmPathsSet = false;

/** The platform (backend) chosen by the last successful `initTfjs`, or null before one. */
export function getTfjsPlatform(): TfjsPlatform | null {
  return current;
}

/** Parse a backend name from an option or the environment; throws on anything unknown. */
export function parseBackendChoice(value: string, origin: string): TfjsBackendChoice {
  const v = value.trim().toLowerCase();
  if (v === 'auto' || (BACKENDS as readonly string[]).includes(v)) return v as TfjsBackendChoice;
  throw new TfjsError('invalid_settings', `${origin}: unknown TF.js backend "${value}" (use tensorflow, wasm, cpu or auto)`);
}

/**
 * Pick and initialise the TF.js backend. Idempotent: a later call without an explicit backend (option
 * or env) returns the runtime already chosen; an explicit different one switches the global engine.
 */
export function initTfjs(options: InitTfjsOptions = {}): Promise<TfjsPlatform> {
  const run = queue.then(() => init(options));
  queue = run.catch(() => undefined);
  return run;
}

async function init(options: InitTfjsOptions): Promise<TfjsPlatform> {
  const env = options.env ?? process.env;
  const fromEnv = env[BACKEND_ENV_VAR];
  const source: TfjsPlatform['source'] = options.backend ? 'option' : fromEnv ? 'env' : 'auto';
  const requested = options.backend
    ? parseBackendChoice(options.backend, 'initTfjs({ backend })')
    : fromEnv
      ? parseBackendChoice(fromEnv, BACKEND_ENV_VAR)
      : 'auto';

  // An explicit request switches backends; `auto` keeps whatever an earlier call chose.
  if (current && (requested === current.backend || requested === 'auto') && tf.getBackend() === current.backend) {
    return current;
  }

  if (options.prodMode ?? true) tf.enableProdMode();
  const started = performance.now();
  const candidates = requested === 'auto' ? BACKENDS : [requested];
  const skipped: TfjsPlatform['skipped'] = [];
  for (const backend of candidates) {
    const outcome = await tryBackend(backend, options.resolveFrom ?? defaultResolveDirs(), env[WASM_PATH_ENV_VAR]);
    if (!outcome.ok) {
      if (requested !== 'auto') {
        throw new TfjsError('provider_unavailable', `TF.js backend "${backend}" (${source === 'env' ? BACKEND_ENV_VAR : 'requested'}) is unavailable: ${outcome.reason}`);
      }
      skipped.push({ backend, reason: outcome.reason });
      continue;
    }
    // tfjs-node brings its own file:// handlers; add ours only where none exist.
    registerFileSystemRouters();
    current = {
      backend,
      source,
      nativePackage: outcome.nativePackage,
      skipped,
      tfjsVersion: tf.version.tfjs,
      initMs: Math.round((performance.now() - started) * 10) / 10,
    };
    options.logger?.info(
      { tfjsBackend: backend, source, nativePackage: outcome.nativePackage, skipped },
      `TF.js backend: ${backend}${outcome.nativePackage ? ` (${outcome.nativePackage})` : ''}`,
    );
    // Installed but unusable tfjs-node is worth a warning: the user expects the fast path.
    const broken = skipped.find((s) => s.backend === 'tensorflow' && s.reason.includes('failed to load'));
    if (broken) options.logger?.warn({ reason: broken.reason }, `tfjs-node is installed but could not be loaded; using ${backend}`);
    return current;
  }
  // cpu is always registered, so this only happens if the cpu backend itself fails.
  throw new TfjsError('provider_unavailable', `No TF.js backend could be initialised: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

type Outcome = { ok: true; nativePackage: NativePackage | null } | { ok: false; reason: string };

async function tryBackend(backend: TfjsBackendName, resolveDirs: readonly string[], wasmPath: string | undefined): Promise<Outcome> {
  try {
    let nativePackage: NativePackage | null = null;
    if (backend === 'tensorflow') {
      const found = loadNativePackage(resolveDirs);
      if (!found.ok) return found;
      nativePackage = found.nativePackage;
    } else if (backend === 'wasm') {
      await prepareWasm(wasmPath);
    }
    if (!(await tf.setBackend(backend))) return { ok: false, reason: `tf.setBackend('${backend}') failed` };
    await tf.ready();
    return { ok: true, nativePackage };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Require the first native package that resolves; it registers the `tensorflow` backend on load. */
function loadNativePackage(resolveDirs: readonly string[]): Outcome {
  const failures: string[] = [];
  for (const name of NATIVE_PACKAGES) {
    for (const dir of resolveDirs) {
      const req = createRequire(path.join(path.resolve(dir), 'noop.js'));
      let resolved: string;
      try {
        resolved = req.resolve(name);
      } catch {
        continue; // not installed here
      }
      try {
        req(resolved);
      } catch (err) {
        // Installed but broken (e.g. libtensorflow missing): say so, then fall back.
        failures.push(`${name} failed to load: ${err instanceof Error ? err.message : String(err)}`);
        break;
      }
      if (!tf.findBackendFactory('tensorflow')) {
        failures.push(`${name} loaded but registered no "tensorflow" backend`);
        break;
      }
      return { ok: true, nativePackage: name };
    }
  }
  return {
    ok: false,
    reason: failures.length ? failures.join('; ') : 'neither @tensorflow/tfjs-node nor @tensorflow/tfjs-node-gpu is installed (npm install @tensorflow/tfjs-node)',
  };
}

async function prepareWasm(wasmPath: string | undefined): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (wasmPathsSet) return;
  // In Node the .wasm binaries are read from disk: point the loader at the package's dist folder.
  const pkg = createRequire(path.join(packageDir(), 'noop.js')).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const dir = wasmPath ? path.resolve(wasmPath) : path.join(path.dirname(pkg), 'dist');
  try {
    wasm.setWasmPaths(dir + path.sep);
  } catch {
    // Someone initialised wasm before us with their own paths; keep them.
  }
  wasmPathsSet = true;
}

function packageDir(): string {
  // `__filename` exists in the CJS build; tsup's shims provide import.meta.url there too.
  return typeof __filename === 'string' ? path.dirname(__filename) : path.dirname(fileURLToPath(import.meta.url));
}

function defaultResolveDirs(): string[] {
  return [packageDir(), process.cwd()];
}

/** Test helper: forget the chosen runtime so the next `initTfjs` selects again. */
export function resetTfjsPlatformForTests(): void {
  current = null;
}
