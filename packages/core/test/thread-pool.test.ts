/**
 * createThreadPool on real worker threads: a crashing thread fails only its task and is replaced, a
 * task past its time limit is stopped (its thread terminated), and a full queue pushes back at once.
 */
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { createThreadPool, DEFAULT_THREAD_NICE, ThreadPoolFullError, ThreadTaskTimeoutError, type ThreadPool } from '@lsml/core';
import { afterEach, describe, expect, it } from 'vitest';

const TASKS = fileURLToPath(new URL('./fixtures/thread-tasks.ts', import.meta.url));
const pools: ThreadPool[] = [];
const pool = (options: Parameters<typeof createThreadPool>[1]) => {
  const p = createThreadPool(TASKS, options);
  pools.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
});

describe('createThreadPool', () => {
  it('runs tasks off the main thread', async () => {
    const p = pool({ threads: 2 });
    const out = await p.run<{ input: unknown; threadId: number }>({ a: 1 });
    expect(out.input).toEqual({ a: 1 });
    expect(out.threadId).toBeGreaterThan(0);
  });

  it.runIf(process.platform === 'linux')('runs its threads at lower CPU priority than the event loop, and only them', async () => {
    const own = os.getPriority();
    // The test run sets LSML_THREAD_NICE=0 (vitest.config.ts): the default is what applies without it.
    const saved = process.env.LSML_THREAD_NICE;
    delete process.env.LSML_THREAD_NICE;
    try {
      expect(await pool({ threads: 1 }).run<number>(null, { name: 'niceness' })).toBe(Math.min(19, own + DEFAULT_THREAD_NICE));
    } finally {
      if (saved !== undefined) process.env.LSML_THREAD_NICE = saved;
    }
    process.env.LSML_THREAD_NICE = '4';
    try {
      expect(await pool({ threads: 1 }).run<number>(null, { name: 'niceness' })).toBe(Math.min(19, own + 4));
    } finally {
      if (saved === undefined) delete process.env.LSML_THREAD_NICE;
      else process.env.LSML_THREAD_NICE = saved;
    }
    expect(await pool({ threads: 1, nice: 3 }).run<number>(null, { name: 'niceness' })).toBe(Math.min(19, own + 3));
    expect(await pool({ threads: 1, nice: 0 }).run<number>(null, { name: 'niceness' })).toBe(own);
    // The process (and so its event loop) keeps its priority.
    expect(os.getPriority()).toBe(own);
    expect(() => pool({ nice: 25 })).toThrow(/0 to 19/);
  });

  it('fails only the task whose thread exits, and replaces the thread', async () => {
    const p = pool({ threads: 1 });
    const before = await p.run<{ threadId: number }>(1);
    await expect(p.run(null, { name: 'exit' })).rejects.toThrow(/exited with code: 3/);
    const after = await p.run<{ threadId: number }>(2);
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('fails only the task whose thread throws an uncaught exception, and keeps serving', async () => {
    const p = pool({ threads: 1 });
    await expect(p.run(null, { name: 'crashLater' })).rejects.toThrow(/uncaught in worker/);
    await expect(p.run('plain', { name: 'fail' })).rejects.toThrow(/^plain$/);
    expect(await p.run<{ input: unknown }>(3)).toMatchObject({ input: 3 });
  });

  it('stops a task that runs past its time limit and frees its thread', async () => {
    const p = pool({ threads: 1, taskTimeoutMs: 200 });
    const started = Date.now();
    // Blocks its thread for 20 s unless the pool terminates it.
    await expect(p.run(20_000, { name: 'spin' })).rejects.toBeInstanceOf(ThreadTaskTimeoutError);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The thread is free again: a short task runs (and a per-call limit overrides the pool's).
    expect(await p.run<number>(300, { name: 'spin', timeoutMs: 10_000 })).toBeGreaterThan(0);
    await expect(p.run(20_000, { name: 'spin', timeoutMs: 100 })).rejects.toThrow(/longer than 100 ms/);
  });

  it('an abort from the caller is not reported as a timeout', async () => {
    const p = pool({ threads: 1, taskTimeoutMs: 5_000 });
    const ac = new AbortController();
    const running = p.run(20_000, { name: 'spin', signal: ac.signal });
    setTimeout(() => ac.abort(new Error('client went away')), 100);
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ThreadTaskTimeoutError);
  });

  it('hands a thread its next task early, yet runs its tasks one at a time', async () => {
    const p = pool({ threads: 1 });
    await p.run(0);
    const spans = await Promise.all([1, 2, 3].map(() => p.run<[number, number]>(100, { name: 'span' })));
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  it('runs again a task that waited on a thread that crashed; a task that can be stopped runs alone', async () => {
    const p = pool({ threads: 1 });
    await p.run(0);
    // The second task is already on the thread when the first one kills it.
    const [exited, after] = await Promise.allSettled([p.run(null, { name: 'exit' }), p.run<{ input: unknown }>('after exit')]);
    expect(exited.status === 'rejected' && String(exited.reason)).toMatch(/exited with code: 3/);
    expect(after).toMatchObject({ status: 'fulfilled', value: { input: 'after exit' } });
    // A task with a time limit or an abort signal gets a thread to itself: stopping it (terminating
    // the thread) takes no other task down, neither one waiting behind it nor one running before it.
    const [timedOut, afterTimeout] = await Promise.allSettled([p.run(20_000, { name: 'spin', timeoutMs: 200 }), p.run<{ input: unknown }>('after timeout')]);
    expect(timedOut.status === 'rejected' && timedOut.reason).toBeInstanceOf(ThreadTaskTimeoutError);
    expect(afterTimeout).toMatchObject({ status: 'fulfilled', value: { input: 'after timeout' } });
    const ac = new AbortController();
    const running = p.run<number>(300, { name: 'spin' });
    const waiting = p.run(20_000, { name: 'spin', signal: ac.signal }).catch((err: unknown) => err);
    setTimeout(() => ac.abort(new Error('client went away')), 100);
    expect(await running).toBeGreaterThan(0);
    expect(await waiting).toMatchObject({ name: 'AbortError' });
  });

  it('rejects at once beyond maxQueue waiting tasks, and completes the ones it accepted', async () => {
    const p = pool({ threads: 1, maxQueue: 2 });
    await p.run(0); // the thread is up
    const accepted = [p.run<number>(300, { name: 'sleep' }), p.run<number>(10, { name: 'sleep' }), p.run<number>(10, { name: 'sleep' })];
    const started = Date.now();
    await expect(p.run(10, { name: 'sleep' })).rejects.toBeInstanceOf(ThreadPoolFullError);
    await expect(p.run(10, { name: 'sleep' })).rejects.toThrow(/2 tasks already wait for 1 thread/);
    expect(Date.now() - started).toBeLessThan(250);
    expect((await Promise.all(accepted)).every((id) => id > 0)).toBe(true);
    // With the queue drained, it accepts again.
    expect(await p.run<number>(1, { name: 'sleep' })).toBeGreaterThan(0);
    // No waiting place at all: only what the threads run is accepted.
    const none = pool({ threads: 1, maxQueue: 0 });
    await none.run(0);
    const running = none.run<number>(200, { name: 'sleep' });
    await expect(none.run(10, { name: 'sleep' })).rejects.toBeInstanceOf(ThreadPoolFullError);
    expect(await running).toBeGreaterThan(0);
  });
});
