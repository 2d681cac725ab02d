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
const data = workerData as { nice?: unknown; started?: unknown } | null | undefined;
lowerPriority(data?.nice);
// Shared with the pool: each task's sequence number is written here when it starts, so that the pool
// can tell a task that failed with its thread before it began (re-run) from the one that broke it.
const started = data?.started instanceof Int32Array ? data.started : undefined;

export interface ThreadTask {
  file: string;
  name?: string;
  input: unknown;
  /** The pool's sequence number of this try (see `started`). */
  seq?: number;
}

async function load(file: string): Promise<Record<string, unknown>> {
  if (/\.[cm]?tsx?$/.test(new URL(file).pathname)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(file, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(file)) as Record<string, unknown>;
}

// The pool hands a thread its next task while the current one runs (the next is then already here when
// this one ends, instead of after a round trip through a busy event loop); they still run one at a time.
let previous: Promise<unknown> = Promise.resolve();

export default function runThreadTask(task: ThreadTask): Promise<unknown> {
  const run = previous.then(() => runOne(task));
  previous = run.catch(() => undefined);
  return run;
}

async function runOne({ file, name, input, seq }: ThreadTask): Promise<unknown> {
  if (started && typeof seq === 'number') Atomics.store(started, seq & (started.length - 1), seq);
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
