// Runs inside each pool thread: import the user's worker module (through tsx when it is TypeScript,
// like the model file) once, then call the requested export with the task's input.
import os from 'node:os';

// Pool threads run below the event loop's priority (on Linux a thread's nice value is its own): when
// the cores are busy, the scheduler serves the main thread (/health, other requests) first, and the
// CPU-bound work takes what is left. LSML_THREAD_NICE=0 turns this off.
try {
  const nice = Number(process.env.LSML_THREAD_NICE ?? 5);
  if (Number.isInteger(nice) && nice > 0) os.setPriority(0, Math.min(19, os.getPriority(0) + nice));
} catch {
  // Not permitted or not supported: run at the process's priority.
}

const modules = new Map<string, Promise<Record<string, unknown>>>();

export interface ThreadTask {
  file: string;
  name?: string;
  input: unknown;
}

async function load(file: string): Promise<Record<string, unknown>> {
  if (/\.[cm]?tsx?$/.test(new URL(file).pathname)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(file, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(file)) as Record<string, unknown>;
}

export default async function runThreadTask({ file, name, input }: ThreadTask): Promise<unknown> {
  let mod = modules.get(file);
  if (!mod) {
    mod = load(file);
    modules.set(file, mod);
  }
  const m = await mod;
  let fn = name ? m[name] : m.default;
  // A CJS module's exports arrive under `default`.
  if (typeof fn !== 'function' && m.default && typeof m.default === 'object') fn = (m.default as Record<string, unknown>)[name ?? 'default'];
  if (typeof fn !== 'function') throw new TypeError(`${file} has no exported function ${name ?? 'default'}`);
  return (fn as (input: unknown) => unknown)(input);
}
