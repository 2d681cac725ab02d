import type { Logger } from 'pino';
import { LabelInterface } from '../label-config/label-interface.js';
import { parseConfig, type ParsedLabelConfig } from '../label-config/parse-config.js';
import type { ModelResponse } from '../protocol/model-response.js';
import type { InteractiveContext, PredictionValue, Task, WebhookData, WebhookEvent } from '../protocol/types.js';
import { MemoryStore } from '../state/memory-store.js';
import type { StateStore } from '../state/state-store.js';
import { createLogger } from '../logger.js';
import { bumpVersion, INITIAL_MODEL_VERSION } from './model-version.js';
import {
  DEFAULT_TRAINING_POLICY,
  type ModelArtifacts,
  type ScheduledTraining,
  type TrainingContext,
  type TrainingPolicy,
  type TrainingScheduler,
} from '../training/training-context.js';

/** Marks backend classes across copies of this package (a CJS and an ESM copy are different classes). */
export const BACKEND_BRAND = Symbol.for('lsml.LabelStudioMLBase');

/** What a backend instance is built with: one per (project, label config), made by the server. */
export interface ModelInit {
  /** Project id as a string: `"7"`, or `"None"` for a `/predict` without project (Python-compatible). */
  projectId: string;
  /** The project's label config (XML); `null` when the request carried none. */
  labelConfig?: string | null;
  store?: StateStore;
  logger?: Logger;
  /** The training queue; the server injects it. Without one, `scheduleTraining` throws. */
  scheduler?: TrainingScheduler;
}

/** The second argument of `predict()`: the interactive context, the other request params and an abort signal. */
export interface PredictOptions {
  /** Interactive context (§5.5): `null` for batch prediction, `{}` when the request had no `params`. */
  context: InteractiveContext | null | Record<string, never>;
  /** Remaining `params` keys: `login`, `password` and anything else Label Studio sends. */
  params: Record<string, unknown>;
  /** Aborted when the request times out or the client goes away: long predictions may stop early. */
  signal?: AbortSignal;
}

/** What `predict` may return (§4.4 step 6). */
export type PredictReturn =
  | ModelResponse
  | PredictionValue[]
  | Array<PredictionValue | PredictionValue[]>
  | Array<Record<string, unknown>>
  | { predictions: unknown[]; [key: string]: unknown }
  | null
  | undefined;

/**
 * What `lsml start` serves: a {@link LabelStudioMLBase} subclass or the result of {@link defineBackend}, with its
 * static settings (training policy, webhook events, preload).
 */
export interface BackendClass<T extends LabelStudioMLBase = LabelStudioMLBase> {
  new (init: ModelInit): T;
  readonly name: string;
  /** Build and set up an instance (`new`, then `setup()` once). */
  create(init: ModelInit): Promise<T>;
  /** When annotation webhooks schedule `train()`; see `TrainingPolicy`. */
  training?: TrainingPolicy;
  /** Webhook actions passed to `fit` besides the four Python ones (e.g. `ANNOTATIONS_CREATED`). */
  webhookEvents?: readonly string[];
  /** Opt-in: `TASKS_CREATED` queues a bulk prediction of the new tasks (see LabelStudioMLBase). */
  predictOnTasksCreated?: boolean;
  /** Optional: load shared weights once per process at start; `/ready` answers 503 until it resolves. */
  preload?(): Promise<void>;
}

/**
 * The base class of every backend: the TypeScript counterpart of Python's `LabelStudioMLBase`.
 *
 * Difference from Python (§6.1): Python builds a new instance for every request and runs `setup()` each
 * time. lsml keeps one instance per (project, label config) and runs `setup()` once when it is created,
 * so a model loaded in `setup()` stays in memory and a version written by `fit()` is not overwritten
 * by the next request. Anything that must be shared between processes goes through `get`/`set`.
 *
 * @example
 * ```ts
 * // model.ts — serve it with `npx lsml start model.ts`
 * import { LabelStudioMLBase, ModelResponse, type Task } from '@lsml/core';
 *
 * export default class MyModel extends LabelStudioMLBase {
 *   async setup() {
 *     await this.set('model_version', 'my-model-1');
 *   }
 *   async predict(tasks: Task[]) {
 *     const [fromName, toName] = this.labelInterface!.getFirstTagOccurrence('Choices', 'Text');
 *     return new ModelResponse({
 *       predictions: tasks.map(() => ({ result: [{ from_name: fromName, to_name: toName, type: 'choices', value: { choices: ['Positive'] } }] })),
 *     });
 *   }
 * }
 * ```
 */
export class LabelStudioMLBase {
  static readonly [BACKEND_BRAND] = true;
  /** When annotation webhooks schedule `train()` (only used by models that define `train`). */
  static training?: TrainingPolicy;
  /** Extra webhook actions to pass to `fit`, besides the four Python ones. */
  static webhookEvents?: readonly string[];
  /**
   * Opt in to pre-annotating imported tasks: Label Studio's `TASKS_CREATED` webhook then queues a bulk
   * prediction job for the new tasks (answered at once; the predictions are written back through the
   * Label Studio API in the background, LABEL_STUDIO_URL + LABEL_STUDIO_API_KEY).
   */
  static predictOnTasksCreated?: boolean;

  /**
   * Optional: train a new version in the background. Write files into `ctx.artifactDir`; the return
   * value becomes `train_output`. Defining it makes the default `fit` schedule training jobs.
   */
  train?(ctx: TrainingContext): Promise<unknown>;

  /**
   * Optional: load the files of a trained version into memory. Called (once per process) when the
   * current `model_version` is one that training produced — after a job, or at start-up.
   */
  loadVersion?(version: string, artifactDir: string): Promise<void>;

  /** Optional: release what this instance holds (sessions, tensors); called when the server closes. */
  dispose?(): Promise<void>;

  readonly projectId: string;
  readonly store: StateStore;
  readonly logger: Logger;
  /** The label config this instance serves; `null` if none was ever sent for the project. */
  labelConfig: string | null;
  /** `parseConfig(labelConfig)`: the Python `parse_config` structure; `{}` without a config. */
  parsedLabelConfig: ParsedLabelConfig = {};
  /** Set when a label config is known; Python leaves `label_interface` unset in that case too. */
  labelInterface: LabelInterface | undefined;

  private versionSnapshot: string = INITIAL_MODEL_VERSION;
  /** The store's change token when the snapshots were last read; unset forces the next read. */
  private refreshedAt: string | number | undefined;
  private extraParamsSnapshot: string | null = null;
  private ready = false;
  private loaded: string | null = null;
  private loading: Promise<void> | undefined;
  private readonly scheduler: TrainingScheduler | undefined;

  constructor(init: ModelInit) {
    this.projectId = init.projectId ?? '';
    this.labelConfig = init.labelConfig ?? null;
    this.store = init.store ?? new MemoryStore();
    this.logger = (init.logger ?? createLogger()).child({ project: this.projectId });
    this.scheduler = init.scheduler;
  }

  /** Build and initialise an instance: what the server does once per (project, label config). */
  static async create<T extends LabelStudioMLBase>(this: new (init: ModelInit) => T, init: ModelInit): Promise<T> {
    const model = new this(init);
    await model.initialize();
    return model;
  }

  /**
   * Python's constructor steps (§6.1): remember the label config (store it if it changed), make sure a
   * model version exists, then run the user's `setup()`.
   */
  async initialize(): Promise<void> {
    if (this.labelConfig === null) {
      // Unlike Python, fall back to the config Label Studio sent earlier for this project.
      const stored = await this.store.get(this.projectId, 'label_config');
      if (stored) this.labelConfig = stored;
    }
    if (this.labelConfig !== null) {
      await this.useLabelConfig(this.labelConfig);
    } else {
      this.logger.warn('No label config given for this project: labelInterface is unset');
    }
    const version = await this.store.get(this.projectId, 'model_version');
    if (!version) await this.store.set(this.projectId, 'model_version', INITIAL_MODEL_VERSION);
    await this.refresh();
    await this.setup();
    // After setup() (where weights and defaults load), switch to the trained version if there is one.
    this.ready = true;
    this.refreshedAt = undefined;
    await this.refresh();
  }

  private async useLabelConfig(config: string): Promise<void> {
    // LabelInterface throws a LabelConfigError on malformed XML (and on "", like Python).
    this.labelInterface = new LabelInterface(config);
    this.parsedLabelConfig = parseConfig(config);
    const stored = await this.store.get(this.projectId, 'label_config');
    if (stored !== config) {
      await this.store.set(this.projectId, 'label_config', config);
      await this.store.set(this.projectId, 'parsed_label_config', JSON.stringify(this.parsedLabelConfig));
    }
  }

  /**
   * Re-read the values the sync getters expose, and load a newly trained version if training (in this
   * or another process) published one. The server calls it before each request.
   */
  async refresh(): Promise<void> {
    // Skip the store read when the store says nothing changed since the last one (it was ~8 % of a
    // trivial prediction's CPU). The token is read first, so a write racing the read forces another.
    const pending = this.store.changeToken?.();
    const token = pending instanceof Promise ? await pending : pending;
    if (token !== undefined && token === this.refreshedAt) return;
    const [version, extra, artifacts] = await this.store.getMany(this.projectId, ['model_version', 'extra_params', 'model_artifacts']);
    this.versionSnapshot = version || INITIAL_MODEL_VERSION;
    this.extraParamsSnapshot = extra ?? null;
    if (this.ready && artifacts && this.loadVersion && this.loaded !== this.versionSnapshot) {
      const parsed = JSON.parse(artifacts) as ModelArtifacts;
      if (parsed.version === this.versionSnapshot) await this.ensureLoaded(parsed);
    }
    this.refreshedAt = token;
  }

  /** The trained version whose files are in memory, or null. */
  get loadedVersion(): string | null {
    return this.loaded;
  }

  private ensureLoaded(artifacts: ModelArtifacts): Promise<void> {
    // Concurrent requests share one load; until it resolves they wait, and requests already running
    // keep whatever model object they hold, so nothing in flight fails.
    this.loading ??= (async () => {
      try {
        if (this.loaded !== artifacts.version) {
          await this.loadVersion!(artifacts.version, artifacts.dir);
          this.loaded = artifacts.version;
          this.logger.info({ model_version: artifacts.version }, 'Loaded trained model version');
        }
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  // ---- user hooks -------------------------------------------------------------------------------

  /** Runs once when the instance is created (Python: on every request). Load weights here. */
  async setup(): Promise<void> {}

  /** Return predictions for `tasks`, in the same order. The base class predicts nothing. */
  async predict(_tasks: Task[], _options: PredictOptions): Promise<PredictReturn> {
    return null;
  }

  /**
   * Called for the training events of `/webhook`; the return value is sent back as `result`. The
   * default does nothing (like Python) unless the model defines `train`: then it schedules a background
   * job following the class's `training` policy and answers at once.
   */
  async fit(event: WebhookEvent, data: WebhookData): Promise<unknown> {
    if (typeof this.train !== 'function') return null;
    return this.scheduleTraining(event, data);
  }

  /**
   * Apply the training policy to one webhook event and queue a job when it says so. Jobs are coalesced
   * per project (one running, one waiting), so a burst of events costs at most two trainings.
   */
  async scheduleTraining(event: WebhookEvent, data: WebhookData, options: { force?: boolean } = {}): Promise<ScheduledTraining> {
    if (!this.scheduler) throw new Error('No training queue: scheduleTraining works inside an lsml server or worker');
    const policy = { ...DEFAULT_TRAINING_POLICY, ...(this.constructor as typeof LabelStudioMLBase).training };
    let weight = 1;
    let threshold = 1;
    if (!options.force) {
      if (event === 'START_TRAINING') {
        if (!policy.onStartTraining) return { status: 'skipped' };
      } else if (policy.countEvents.includes(event)) {
        weight = Array.isArray(data.annotation) ? data.annotation.length : 1;
        threshold = policy.trainEvery;
      } else {
        return { status: 'skipped' };
      }
    }
    // The queue keeps the events below the threshold, so the job that finally runs sees all of them.
    return this.scheduler.schedule(this.projectId, this.labelConfig, event, data, { weight, threshold });
  }

  // ---- per-project state ------------------------------------------------------------------------

  /** The value of `key` in this project's state (shared by every process), or null. */
  async get(key: string): Promise<string | null> {
    return this.store.get(this.projectId, key);
  }

  /** Values are strings, as in Python; use `setJSON` for anything else. */
  async set(key: string, value: string): Promise<void> {
    await this.store.set(this.projectId, key, value);
    if (key === 'model_version') this.versionSnapshot = value || INITIAL_MODEL_VERSION;
    if (key === 'extra_params') this.extraParamsSnapshot = value;
  }

  /** Whether `key` is set in this project's state. */
  async has(key: string): Promise<boolean> {
    return this.store.has(this.projectId, key);
  }

  /** Remove `key` from this project's state. */
  async delete(key: string): Promise<void> {
    await this.store.delete(this.projectId, key);
  }

  /** {@link LabelStudioMLBase.get}, parsed as JSON (null when unset). */
  async getJSON<T = unknown>(key: string): Promise<T | null> {
    const raw = await this.get(key);
    return raw === null ? null : (JSON.parse(raw) as T);
  }

  /** {@link LabelStudioMLBase.set} with `value` serialised as JSON. */
  async setJSON(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`setJSON(${key}): value is not JSON-serialisable`);
    await this.set(key, text);
  }

  // ---- model version ----------------------------------------------------------------------------

  /** The current version string as of the start of this request (or the last `set`). */
  get modelVersion(): string {
    return this.versionSnapshot;
  }

  /** The project's current `model_version` (what `/setup` and predictions report). */
  async getModelVersion(): Promise<string> {
    const v = await this.get('model_version');
    this.versionSnapshot = v || INITIAL_MODEL_VERSION;
    return this.versionSnapshot;
  }

  /** Make `version` the project's current `model_version`. */
  async setModelVersion(version: string): Promise<void> {
    await this.set('model_version', version);
  }

  /**
   * Set the version a fresh project starts with, e.g. `MyModel-v0.0.1`, without overwriting a version
   * that training produced (Python examples set it unconditionally in `setup()`, Q16).
   */
  async initModelVersion(version: string): Promise<void> {
    const current = await this.get('model_version');
    if (!current || current === INITIAL_MODEL_VERSION) await this.setModelVersion(version);
  }

  /**
   * Minor-bump the stored version and return it. Python's `bump_model_version` is a no-op for semver
   * and throws otherwise (Q15); this one really bumps (see `bumpVersion`).
   */
  async bumpModelVersion(): Promise<string> {
    const next = bumpVersion(await this.getModelVersion());
    await this.setModelVersion(next);
    return next;
  }

  /** `extra_params` from `/setup`, JSON-parsed (Python's property); `{}` when unset. */
  get extraParams(): Record<string, unknown> {
    const raw = this.extraParamsSnapshot;
    if (!raw) return {};
    try {
      const parsed: unknown = JSON.parse(raw);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      this.logger.warn('extra_params is not valid JSON; ignoring it');
      return {};
    }
  }
}

/** True for a class extending `LabelStudioMLBase` from any copy of `@lsml/core`. */
export function isBackendClass(value: unknown): value is BackendClass {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[BACKEND_BRAND] === true;
}
