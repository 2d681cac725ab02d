// Finding the transformers.js library at run time: @huggingface/transformers (v3/v4) or
// @xenova/transformers (v2), whichever is installed or asked for; one import per library per process.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TransformersError } from './errors.js';
import type { TransformersModule } from './library-types.js';

/** The two transformers.js packages this adapter runs on. */
export type LibraryName = '@huggingface/transformers' | '@xenova/transformers';

/** Preference order when both are installed: the maintained library first. */
export const LIBRARY_NAMES: readonly LibraryName[] = ['@huggingface/transformers', '@xenova/transformers'];

/** An imported transformers.js library. */
export interface TransformersLibrary {
  /** Which package it is. */
  name: LibraryName;
  /** Its version (`env.version`). */
  version: string;
  /** Its major version: 2 for @xenova/transformers, 3 or 4 for @huggingface/transformers. */
  major: number;
  /** The module itself, reduced to what this adapter uses. */
  module: TransformersModule;
}

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
    throw new TransformersError('model_load', `${name} does not look like transformers.js (no pipeline/env export)`);
  }
  const version = String(m.env.version ?? '0.0.0');
  return { name, version, major: Number.parseInt(version, 10) || 0, module: m };
}

/** Options of `loadTransformers`. */
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
  throw new TransformersError(
    'model_load',
    wanted
      ? `${wanted} is not installed (asked for by ${options.library && options.library !== 'auto' ? 'the library option' : 'LSML_TRANSFORMERS_LIBRARY'}). Run: npm install ${wanted}`
      : '@lsml/transformers needs transformers.js: npm install @huggingface/transformers (or @xenova/transformers@^2.17 on older setups)',
  );
}

function envLibrary(): LibraryName | undefined {
  const v = process.env.LSML_TRANSFORMERS_LIBRARY?.trim();
  if (!v || v === 'auto') return undefined;
  if (!(LIBRARY_NAMES as readonly string[]).includes(v)) {
    throw new TransformersError('invalid_settings', `LSML_TRANSFORMERS_LIBRARY must be one of ${LIBRARY_NAMES.join(', ')} or auto, not "${v}"`);
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
