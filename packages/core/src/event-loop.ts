// Long synchronous loops (a 20,000-task body, prediction or answer) are cut into slices of this
// many ms with a yield in between, so that /health and other requests are answered meanwhile. One
// value for every such loop: the worst wait of another request is about one slice plus a GC pause.

/** Milliseconds of synchronous work between two yields to the event loop. */
export const SLICE_MS = 2;

/** Let timers and I/O (other requests) run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
