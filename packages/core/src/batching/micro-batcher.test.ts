import { describe, expect, it } from 'vitest';
import { BatcherClosedError, MicroBatcher, QueueFullError } from './micro-batcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A batcher that doubles numbers and records every batch it was given. */
function doubler(options: { maxBatchSize?: number; maxDelayMs?: number; maxQueueSize?: number; maxConcurrentBatches?: number; delayMs?: number } = {}) {
  const batches: number[][] = [];
  const { delayMs = 0, ...rest } = options;
  const batcher = new MicroBatcher<number, number>({
    ...rest,
    runBatch: async (items) => {
      batches.push([...items]);
      if (delayMs > 0) await sleep(delayMs);
      return items.map((x) => x * 2);
    },
  });
  return { batcher, batches };
}

describe('MicroBatcher', () => {
  it('merges concurrent pushes into one batch and gives each caller its own result', async () => {
    const { batcher, batches } = doubler({ maxDelayMs: 20 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((x) => batcher.push(x)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
    expect(batcher.stats).toMatchObject({ batches: 1, items: 5, largestBatch: 5 });
  });

  it('starts a batch as soon as maxBatchSize items wait, without waiting for the delay', async () => {
    const { batcher, batches } = doubler({ maxBatchSize: 4, maxDelayMs: 10_000 });
    const started = performance.now();
    const results = await Promise.all([1, 2, 3, 4].map((x) => batcher.push(x)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('splits more than maxBatchSize items into several batches, oldest first', async () => {
    const { batcher, batches } = doubler({ maxBatchSize: 3, maxDelayMs: 5 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => batcher.push(i)));
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6, 7]]);
  });

  it('runs a lone item after maxDelayMs', async () => {
    const { batcher, batches } = doubler({ maxDelayMs: 30 });
    const started = performance.now();
    expect(await batcher.push(21)).toBe(42);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(batches).toEqual([[21]]);
  });

  it('with maxDelayMs 0 still merges items pushed in the same turn', async () => {
    const { batcher, batches } = doubler({ maxDelayMs: 0 });
    expect(await Promise.all([1, 2, 3].map((x) => batcher.push(x)))).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('keeps queueing while a batch runs, so the next batch collects everything that arrived', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>({
      maxDelayMs: 1,
      runBatch: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await gate;
        return items.map((x) => x * 2);
      },
    });
    const first = batcher.push(1);
    while (batcher.inFlight === 0) await sleep(1); // the first batch is running (held by the gate)
    const rest = [2, 3, 4].map((x) => batcher.push(x));
    await sleep(10);
    expect(batcher.pending).toBe(3);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('pushMany returns results in order and batches with other callers', async () => {
    const { batcher, batches } = doubler({ maxBatchSize: 4, maxDelayMs: 10 });
    const [many, single] = await Promise.all([batcher.pushMany([1, 2, 3, 4, 5]), batcher.push(6)]);
    expect(many).toEqual([2, 4, 6, 8, 10]);
    expect(single).toBe(12);
    expect(batches).toEqual([[1, 2, 3, 4], [5, 6]]);
  });

  it('rejects every caller of a failed batch, and later batches still run', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>({
      maxDelayMs: 5,
      runBatch: async (items) => {
        if (fail) throw new Error('model exploded');
        return items;
      },
    });
    const settled = await Promise.allSettled([batcher.push(1), batcher.push(2)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect((settled[0] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toContain('model exploded');
    fail = false;
    expect(await batcher.push(3)).toBe(3);
  });

  it('treats a synchronous throw and a wrong result count as failures of the batch', async () => {
    const sync = new MicroBatcher<number, number>({
      runBatch: () => {
        throw new Error('sync boom');
      },
    });
    await expect(sync.push(1)).rejects.toThrow('sync boom');
    const short = new MicroBatcher<number, number>({ maxDelayMs: 5, runBatch: (items) => items.slice(1) });
    const settled = await Promise.allSettled([short.push(1), short.push(2)]);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect(String((s as PromiseRejectedResult).reason)).toMatch(/returned 1 results for 2 items/);
    }
  });

  it('bounds the queue: pushes beyond maxQueueSize reject with QueueFullError', async () => {
    const { batcher } = doubler({ maxBatchSize: 2, maxQueueSize: 3, maxDelayMs: 50 });
    const accepted = [batcher.push(1), batcher.push(2), batcher.push(3)];
    // Two of them left as a full batch; one waits.
    expect(batcher.pending).toBe(1);
    const more = [batcher.push(4), batcher.push(5)];
    const refused = [batcher.push(6), batcher.pushMany([7, 8])];
    await expect(refused[0]).rejects.toBeInstanceOf(QueueFullError);
    await expect(refused[1]).rejects.toBeInstanceOf(QueueFullError);
    expect(await Promise.all([...accepted, ...more])).toEqual([2, 4, 6, 8, 10]);
    expect(batcher.stats.rejected).toBe(3);
  });

  it('does not mix up results under 500 concurrent callers', async () => {
    const batcher = new MicroBatcher<{ id: number }, string>({
      maxBatchSize: 16,
      maxDelayMs: 1,
      runBatch: async (items) => {
        await sleep(Math.random() * 2);
        return items.map((x) => `result-${x.id}`);
      },
    });
    const ids = Array.from({ length: 500 }, (_, i) => i);
    const results = await Promise.all(
      ids.map(async (id) => {
        await sleep(Math.random() * 20);
        return batcher.push({ id });
      }),
    );
    expect(results).toEqual(ids.map((id) => `result-${id}`));
    expect(batcher.stats.items).toBe(500);
    expect(batcher.stats.largestBatch).toBeLessThanOrEqual(16);
    expect(batcher.stats.batches).toBeLessThan(500);
  });

  it('allows several batches in flight with maxConcurrentBatches', async () => {
    let concurrent = 0;
    let peak = 0;
    const batcher = new MicroBatcher<number, number>({
      maxBatchSize: 2,
      maxConcurrentBatches: 3,
      runBatch: async (items) => {
        peak = Math.max(peak, ++concurrent);
        await sleep(20);
        concurrent--;
        return items;
      },
    });
    await Promise.all(Array.from({ length: 6 }, (_, i) => batcher.push(i)));
    expect(peak).toBe(3);
  });

  it('flush runs queued items now; close drains or drops the queue', async () => {
    const { batcher, batches } = doubler({ maxDelayMs: 60_000 });
    const p = batcher.push(1);
    await batcher.flush();
    expect(await p).toBe(2);
    expect(batches).toEqual([[1]]);

    const q = batcher.push(2);
    await batcher.close();
    expect(await q).toBe(4);
    await expect(batcher.push(3)).rejects.toBeInstanceOf(BatcherClosedError);

    const other = doubler({ maxDelayMs: 60_000 });
    const dropped = other.batcher.push(1);
    await other.batcher.close({ drain: false });
    await expect(dropped).rejects.toBeInstanceOf(BatcherClosedError);
    expect(other.batches).toEqual([]);
  });

  it('validates its options', () => {
    const runBatch = (items: number[]) => items;
    expect(() => new MicroBatcher({ runBatch, maxBatchSize: 0 })).toThrow(/maxBatchSize/);
    expect(() => new MicroBatcher({ runBatch, maxDelayMs: -1 })).toThrow(/maxDelayMs/);
    expect(() => new MicroBatcher({ runBatch, maxQueueSize: 1.5 })).toThrow(/maxQueueSize/);
  });
});
