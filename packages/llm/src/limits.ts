// Being a good client of a rate-limited API: a concurrency limit per provider endpoint, waits that
// honour Retry-After, and waits that end when the request is aborted.

/** A counting semaphore: at most `max` holders; the others wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  /** Calls in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** Runs `fn` once a slot is free; a waiter whose signal aborts leaves the queue. */
  async use<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.max) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal?.reason);
        };
        if (signal?.aborted) return abort();
        signal?.addEventListener('abort', abort, { once: true });
        this.waiting.push(go);
      });
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays as it is.
      if (next) next();
      else this.active--;
    }
  }
}

// One limit per endpoint (base URL + model, or the local model) in the process: every runtime and
// project that calls the same provider shares it.
const limiters = new Map<string, Semaphore>();

/** The process-wide semaphore of a provider endpoint (the first caller's `max` wins). */
export function limiterFor(key: string, max: number): Semaphore {
  let s = limiters.get(key);
  if (!s) {
    s = new Semaphore(Math.max(1, Math.floor(max)));
    limiters.set(key, s);
  }
  return s;
}

/**
 * The wait a `Retry-After` / `retry-after-ms` header asks for, in ms: seconds, or an HTTP date;
 * undefined when absent or unreadable.
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Exponential backoff with full jitter: attempt 0 waits up to `base`, then 2×, 4×, … (capped at 20 s). */
export function backoffMs(attempt: number, base: number, random = Math.random): number {
  return Math.round(Math.min(20_000, base * 2 ** attempt) * (0.5 + random() / 2));
}

/** Wait `ms`, or reject with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
