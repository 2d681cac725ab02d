// Small pieces both output kinds use: abort handling and finding the output to read.
import { OnnxError } from './errors.js';
import type { OnnxModel } from './onnx-model.js';
import type { TensorInfo } from './validate-feeds.js';

/** Reject with the signal's reason once it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/**
 * `promise`, or a rejection with `signal.reason` as soon as the signal aborts. The work itself goes on
 * (a queued or running `session.run` cannot be cancelled); only the caller stops waiting.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** The output named in the settings, or the model's first; an error naming the outputs otherwise. */
export function outputInfo(model: OnnxModel, name: string | undefined): TensorInfo {
  const info = name === undefined ? model.outputs[0] : model.outputs.find((o) => o.name === name);
  if (!info) {
    throw new OnnxError('invalid_settings', `Output "${name ?? ''}" not found in ${model.source} (outputs: ${model.outputNames.join(', ')})`, { source: model.source });
  }
  return info;
}
