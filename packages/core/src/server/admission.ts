import { LsmlError } from '../errors.js';
/**
 * Admission control for predictions: at most `maxConcurrent` run at once, at most `maxQueued` wait;
 * beyond that a request is turned away at once (503 + Retry-After, code `overloaded`) instead of piling up.
 */
export class OverloadedError extends LsmlError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Service Unavailable: too many predictions in flight; retry later',
  ) {
    super('overloaded', message, { status: 503 });
    this.name = 'OverloadedError';
  }
}

export class Admission {
  private active = 0;
  private readonly waiting: Array<{ resolve: (release: () => void) => void; reject: (err: unknown) => void; signal?: AbortSignal; onAbort?: () => void }> = [];

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueued: number,
    private readonly retryAfterSeconds = 1,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** A release function when a slot is free right now, else undefined (the fast path, no promise). */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.maxConcurrent) return undefined;
    this.active++;
    return this.releaser();
  }

  /** Resolve with a release function once a slot is free; reject at once when the queue is full. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxQueued) return Promise.reject(new OverloadedError(this.retryAfterSeconds));
    return new Promise((resolve, reject) => {
      const entry: (typeof this.waiting)[number] = { resolve, reject, signal };
      if (signal) {
        entry.onAbort = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) {
        if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
        next.resolve(this.releaser());
      } else {
        this.active--;
      }
    };
  }
}
