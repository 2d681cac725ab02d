// `model.fit` made fit for a training job: seeded train/validation split, progress events, AbortSignal,
// early stopping with best-weight restore, and no tensors left behind.
import * as tf from '@tensorflow/tfjs';

/** When {@link trainModel} stops before the last epoch. */
export interface EarlyStoppingOptions {
  /** Default `val_loss` (or `loss` when there is no validation data). */
  monitor?: 'loss' | 'val_loss' | 'acc' | 'val_acc';
  /** Epochs without improvement before stopping (default 3). */
  patience?: number;
  /** Smaller changes do not count as improvement (default 1e-4). */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends (default true). */
  restoreBestWeights?: boolean;
}

/** A progress report of {@link trainModel}. */
export interface TrainProgress {
  /** `end` fires once, at 100%, when training finishes (early stopping ends it below 100% otherwise). */
  phase: 'batch' | 'epoch' | 'end';
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** 1-based batch within the epoch (equals `batches` on epoch events). */
  batch: number;
  batches: number;
  /** 0–100 over the whole run (epochs × batches), for job progress and progress bars. */
  percent: number;
  loss?: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  elapsedMs: number;
  /** One line such as "epoch 3/20 loss 0.4121 acc 0.912 val_loss 0.45 val_acc 0.9". */
  message: string;
}

/** Options of {@link trainModel}. */
export interface TrainOptions {
  /** Default 20. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Fraction held out for validation after a seeded shuffle (default 0.2; 0 = none). Ignored with `validationData`. */
  validationSplit?: number;
  validationData?: [tf.Tensor, tf.Tensor];
  /** Shuffle batches every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the train/validation split (default 42), so reruns hold out the same examples. */
  seed?: number;
  /** `false` trains all epochs. Default: `{ monitor: 'val_loss', patience: 3 }`. */
  earlyStopping?: EarlyStoppingOptions | false;
  /** Stops after the current batch and rejects with the signal's reason (an AbortError). */
  signal?: AbortSignal;
  /** Awaited, so a slow consumer slows training rather than piling up events. */
  onProgress?: (event: TrainProgress) => void | Promise<void>;
  /** Minimum gap between batch events (default 100 ms); epoch events always fire. */
  progressIntervalMs?: number;
}

/** What goes into `train_output`. Plain numbers only, so it serialises as is. */
export interface TrainMetrics {
  epochs: number;
  stoppedEarly: boolean;
  /** 1-based epoch whose weights the model ends with. */
  bestEpoch: number;
  loss: number;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  trainExamples: number;
  valExamples: number;
  durationMs: number;
  backend: string;
  history: { loss: number[]; accuracy: number[]; valLoss: number[]; valAccuracy: number[] };
}

/** Shuffle rows with a seeded permutation, then hold out the last `fraction`. Caller disposes. */
export function splitTrainValidation(
  x: tf.Tensor,
  y: tf.Tensor,
  fraction: number,
  seed = 42,
): { train: [tf.Tensor, tf.Tensor]; validation: [tf.Tensor, tf.Tensor] | null } {
  const n = x.shape[0] ?? 0;
  const nVal = fraction > 0 ? Math.min(Math.floor(n * fraction), n - 1) : 0;
  const order = seededPermutation(n, seed);
  const parts = tf.tidy((): tf.Tensor[] => {
    const idx = tf.tensor1d(order, 'int32');
    const xs = tf.gather(x, idx);
    const ys = tf.gather(y, idx);
    if (nVal <= 0) return [xs, ys];
    const nTrain = n - nVal;
    return [xs.slice(0, nTrain), ys.slice(0, nTrain), xs.slice(nTrain), ys.slice(nTrain)];
  });
  const [xt, yt, xv, yv] = parts as [tf.Tensor, tf.Tensor, tf.Tensor?, tf.Tensor?];
  return { train: [xt, yt], validation: xv && yv ? [xv, yv] : null };
}

/** Fisher–Yates with mulberry32: the same seed gives the same order everywhere. */
export function seededPermutation(n: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'Training aborted');
  err.name = 'AbortError';
  return err;
}

/**
 * Train a compiled model on `x`/`y` (which stay the caller's to dispose). Resolves with metrics for
 * `train_output`; rejects with an AbortError when `signal` fires (the model keeps the weights reached).
 */
export async function trainModel(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, options: TrainOptions = {}): Promise<TrainMetrics> {
  const { signal, onProgress } = options;
  if (signal?.aborted) throw abortError(signal);
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 32;
  const interval = options.progressIntervalMs ?? 100;
  const started = performance.now();

  const split = options.validationData ? null : splitTrainValidation(x, y, options.validationSplit ?? 0.2, options.seed);
  const [xTrain, yTrain] = split ? split.train : [x, y];
  const validation = options.validationData ?? split?.validation ?? null;
  const nTrain = xTrain.shape[0] ?? 0;
  const batches = Math.max(1, Math.ceil(nTrain / batchSize));

  const es = options.earlyStopping === false ? null : { patience: 3, minDelta: 1e-4, restoreBestWeights: true, ...options.earlyStopping };
  const monitor = es?.monitor ?? (validation ? 'val_loss' : 'loss');
  if (es && monitor.startsWith('val_') && !validation) throw new Error(`earlyStopping monitors ${monitor} but there is no validation data`);
  const higherIsBetter = monitor.endsWith('acc');
  let best = higherIsBetter ? -Infinity : Infinity;
  let bestEpoch = 0;
  let bestWeights: tf.Tensor[] | null = null;
  let sinceBest = 0;
  let stoppedEarly = false;
  let lastBatchEvent = 0;
  const history: TrainMetrics['history'] = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] };

  const emit = async (phase: TrainProgress['phase'], epoch: number, batch: number, logs: tf.Logs | undefined) => {
    if (!onProgress) return;
    const done = (epoch - 1) * batches + batch;
    const event: TrainProgress = {
      phase,
      epoch,
      epochs,
      batch,
      batches,
      percent: phase === 'end' ? 100 : Math.min(100, (100 * done) / (epochs * batches)),
      loss: logs?.loss,
      accuracy: logs?.acc,
      valLoss: logs?.val_loss,
      valAccuracy: logs?.val_acc,
      elapsedMs: performance.now() - started,
      message: '',
    };
    event.message = describe(event);
    await onProgress(event);
  };

  try {
    await model.fit(xTrain, yTrain, {
      epochs,
      batchSize,
      shuffle: options.shuffle ?? true,
      validationData: validation ?? undefined,
      verbose: 0,
      callbacks: {
        onBatchEnd: async (batch, logs) => {
          if (signal?.aborted) model.stopTraining = true;
          const now = performance.now();
          if (onProgress && now - lastBatchEvent >= interval) {
            lastBatchEvent = now;
            await emit('batch', history.loss.length + 1, batch + 1, logs);
          }
          // Let timers and requests run between batches: keeps a server responsive, lets abort land.
          await new Promise<void>((resolve) => setImmediate(resolve));
        },
        onEpochEnd: async (epoch, logs) => {
          history.loss.push(logs?.loss ?? NaN);
          if (logs?.acc !== undefined) history.accuracy.push(logs.acc);
          if (logs?.val_loss !== undefined) history.valLoss.push(logs.val_loss);
          if (logs?.val_acc !== undefined) history.valAccuracy.push(logs.val_acc);
          await emit('epoch', epoch + 1, batches, logs);
          if (signal?.aborted) model.stopTraining = true;
          if (!es) return;
          const value = logs?.[monitor];
          if (value === undefined) return;
          const improved = higherIsBetter ? value > best + es.minDelta : value < best - es.minDelta;
          if (improved) {
            best = value;
            bestEpoch = epoch + 1;
            sinceBest = 0;
            if (es.restoreBestWeights) {
              bestWeights?.forEach((t) => t.dispose());
              bestWeights = model.getWeights().map((w) => w.clone());
            }
          } else if (++sinceBest >= es.patience) {
            stoppedEarly = true;
            model.stopTraining = true;
          }
        },
      },
    });
    if (signal?.aborted) throw abortError(signal);
    const ran = history.loss.length;
    if (bestWeights && bestEpoch < ran) model.setWeights(bestWeights);
    const at = (bestWeights ? bestEpoch : ran) - 1;
    const final = { loss: history.loss[at] ?? NaN, acc: history.accuracy[at], val_loss: history.valLoss[at], val_acc: history.valAccuracy[at] };
    await emit('end', ran, batches, Object.fromEntries(Object.entries(final).filter(([, v]) => v !== undefined)) as tf.Logs);
    return {
      epochs: ran,
      stoppedEarly,
      bestEpoch: at + 1,
      loss: history.loss[at] ?? NaN,
      accuracy: history.accuracy[at] ?? null,
      valLoss: history.valLoss[at] ?? null,
      valAccuracy: history.valAccuracy[at] ?? null,
      trainExamples: nTrain,
      valExamples: validation?.[0].shape[0] ?? 0,
      durationMs: Math.round(performance.now() - started),
      backend: tf.getBackend(),
      history,
    };
  } finally {
    (bestWeights as tf.Tensor[] | null)?.forEach((t) => t.dispose());
    if (split) {
      tf.dispose(split.train);
      if (split.validation) tf.dispose(split.validation);
    }
  }
}

function describe(e: TrainProgress): string {
  const parts = e.phase === 'end' ? [`done after ${e.epoch} epochs:`] : [`epoch ${e.epoch}/${e.epochs}`];
  if (e.phase === 'batch') parts.push(`batch ${e.batch}/${e.batches}`);
  const fmt = (label: string, v: number | undefined, digits: number) => v !== undefined && parts.push(`${label} ${v.toFixed(digits)}`);
  fmt('loss', e.loss, 4);
  fmt('acc', e.accuracy, 3);
  fmt('val_loss', e.valLoss, 4);
  fmt('val_acc', e.valAccuracy, 3);
  return parts.join(' ');
}

/** A one-line text progress bar for terminals: `[########------------] 40% epoch 8/20 loss …`. */
export function formatProgressBar(e: TrainProgress, width = 24): string {
  const filled = Math.round((e.percent / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${e.percent.toFixed(0).padStart(3)}% ${e.message}`;
}
