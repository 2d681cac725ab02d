// Runs inside each pool thread: import the user's worker module (through tsx when it is TypeScript,
// like the model file) once, then call the requested export with the task's input.
import fs from 'node:fs';
import os from 'node:os';
import { workerData } from 'node:worker_threads';

const modules = new Map<string, Promise<Record<string, unknown>>>();

/**
 * Lower this thread's CPU priority by `nice` (createThreadPool's `nice`). On Linux niceness belongs to
 * each thread, addressed by its thread id (`/proc/thread-self`); elsewhere the call would renice the
 * whole process, so it is skipped. A refusal keeps the priority: it only ever makes threads slower to
 * get the CPU, never wrong.
 */
function lowerPriority(nice: unknown): void {
  if (typeof nice !== 'number' || nice <= 0 || process.platform !== 'linux') return;
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return;
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + nice));
  } catch {
    // Not permitted here (e.g. a seccomp profile): the thread keeps the process's priority.
  }
}
lowerPriority((workerData as { nice?: unknown } | null | undefined)?.nice);

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
