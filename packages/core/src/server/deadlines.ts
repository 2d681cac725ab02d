/**
 * Per-request timeouts on one shared timer: a `setTimeout` + `clearTimeout` pair per prediction cost
 * several microseconds and a Timeout object each, on the hottest path. Deadlines fire between `ms` and
 * `ms` + one tick late (a tick is a tenth of the timeout, 1–250 ms), which is precise enough for a
 * 504 after Label Studio's 100 s.
 */
export class Deadlines {
  private readonly entries = new Set<{ at: number; onExpire: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;

  constructor(private readonly ms: number) {
    this.tickMs = Math.min(250, Math.max(1, Math.floor(ms / 10)));
  }

  /** Call `onExpire` once `ms` have passed, unless the returned function is called first. */
  add(onExpire: () => void): () => void {
    const entry = { at: performance.now() + this.ms, onExpire };
    this.entries.add(entry);
    // Not unref'd: an expiring request must be answered even if nothing else keeps the loop alive.
    this.timer ??= setInterval(() => this.sweep(), this.tickMs);
    // The timer is stopped by the next sweep that finds nothing, not here: a fast request would
    // otherwise start and stop an interval each time (most requests run alone).
    return () => {
      this.entries.delete(entry);
    };
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of this.entries) {
      if (entry.at > now) continue;
      this.entries.delete(entry);
      entry.onExpire();
    }
    if (this.entries.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
