import { Admission, OverloadedError } from '../admission.js';
import { HttpError } from '../http-errors.js';
import type { ServerMetrics } from '../metrics.js';

/**
 * Wait for a prediction slot; a full queue is a 503 with `Retry-After` (counted in the metrics).
 * Resolves with the function that frees the slot. `signal` is asked for only when the request must wait.
 */
export async function admit(admission: Admission, signal: () => AbortSignal, metrics: ServerMetrics): Promise<() => void> {
  const release = admission.tryAcquire();
  if (release) return release;
  try {
    return await admission.acquire(signal());
  } catch (err) {
    if (err instanceof OverloadedError) {
      metrics.rejected.inc({ reason: 'overloaded' });
      throw new HttpError(503, err.message, undefined, { 'Retry-After': String(err.retryAfterSeconds) });
    }
    throw err;
  }
}
