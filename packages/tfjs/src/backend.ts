// The LabelStudioMLBase helper: a Choices ← Text classifier that predicts with the current TF.js model
// and trains new versions in core's background training jobs. Subclass it to change model or data.
import {
  LabelStudioMLBase,
  ModelResponse,
  type Annotation,
  type PredictOptions,
  type Task,
  type TrainingContext,
  type WebhookData,
  type WebhookEvent,
  type WebhookRequest,
} from '@lsml/core';
import { initTfjs, type TfjsRuntime } from './runtime.js';
import { TextClassifier, type ClassifierTrainOptions, type ClassifierTrainResult, type ClassPrediction, type TextClassifierOptions, type TextExample } from './text-classifier.js';
import type { TrainProgress } from './train.js';

/** State key of the labelled texts recorded from webhook events (task id → example). */
export const EXAMPLES_KEY = 'tfjs_examples';

/** Options of {@link TfjsTextClassifier.trainClassifier}. */
export interface TrainClassifierOptions {
  /** Directory to save the new model into (a training job's `artifactDir`). */
  dir: string;
  /** Stops training and rejects; nothing is saved. */
  signal?: AbortSignal;
  /** Called with each progress report of the training. */
  onProgress?: (event: TrainProgress) => void | Promise<void>;
}

/** What `train` returns; core stores it as `train_output`. */
export interface TfjsTrainOutput extends ClassifierTrainResult {
  /** Examples collected (those with labels outside the config are in `skippedExamples`). */
  examples: number;
}

/** The `<Choices>` over a `<Text>` a {@link TfjsTextClassifier} predicts for, from the label config. */
export interface ChoicesTextTag {
  fromName: string;
  toName: string;
  /** The task data key the Text tag reads (`$text` → `text`). */
  field: string;
  labels: string[];
}

/**
 * A text classifier (Choices ← Text) that learns from annotations with TF.js: `train()` fits a hashed
 * n-gram network on the annotated tasks (from the Label Studio API when LABEL_STUDIO_URL is set, else the
 * annotations received by webhook), each trained version is saved under `MODEL_DIR`, and `predict()`
 * answers with the current one (no predictions before the first training).
 *
 * @example
 * ```ts
 * // model.ts — serve it with `npx lsml start model.ts --model-dir data`
 * import { TfjsTextClassifier } from '@lsml/tfjs';
 *
 * export default class Sentiment extends TfjsTextClassifier {
 *   static override training = { trainEvery: 10 }; // a training job per 10 new annotations
 * }
 * ```
 */
export class TfjsTextClassifier extends LabelStudioMLBase {
  /** Label Studio's bulk events (from imports and the API) carry annotations too. */
  static override webhookEvents: readonly string[] = ['ANNOTATIONS_CREATED', 'ANNOTATIONS_DELETED'];

  /** The model serving predictions; null until a trained version is loaded. */
  protected classifier: TextClassifier | null = null;
  /** The TF.js backend in use (for logs and metrics). */
  tfjs: TfjsRuntime | null = null;
  private recording: Promise<unknown> = Promise.resolve();

  // ---- hooks to override --------------------------------------------------------------------------

  /** Vectoriser and network of new models. */
  protected classifierOptions(): Omit<TextClassifierOptions, 'labels'> {
    return {};
  }

  /** Epochs, batch size, early stopping… of training runs. */
  protected trainOptions(): ClassifierTrainOptions {
    return {};
  }

  /**
   * The labelled texts to train on: every annotated task from the Label Studio API when
   * LABEL_STUDIO_URL is set, else the annotations recorded from webhooks (see `recordAnnotations`).
   */
  protected async collectExamples(ctx: TrainingContext): Promise<TextExample[]> {
    let client: ReturnType<TrainingContext['labelStudio']> | null = null;
    try {
      client = ctx.labelStudio();
    } catch {
      ctx.logger.debug('Label Studio API not configured: training on the annotations received by webhook');
    }
    if (client) return this.examplesFromTasks(await client.annotatedTasks(ctx.projectId, { signal: ctx.signal }));
    const stored = (await this.getJSON<Record<string, StoredExample>>(EXAMPLES_KEY)) ?? {};
    return Object.values(stored).map(({ text, label }) => ({ text, label }));
  }

  // ---- LabelStudioMLBase --------------------------------------------------------------------------

  override async setup(): Promise<void> {
    this.tfjs = await initTfjs({ logger: this.logger });
  }

  /** Core calls this once a trained version is published (after a job, or at start-up). */
  override async loadVersion(_version: string, artifactDir: string): Promise<void> {
    const next = await TextClassifier.load(artifactDir);
    const previous = this.classifier;
    this.classifier = next;
    previous?.dispose(); // predictions in flight no longer need it (see TextClassifier.predict)
  }

  /** Frees the serving model's tensors; core calls it when the server closes. */
  override async dispose(): Promise<void> {
    this.classifier?.dispose();
    this.classifier = null;
  }

  /** All tasks in one predict call; the score is the calibrated probability of the chosen label. */
  override async predict(tasks: Task[], _options?: PredictOptions): Promise<ModelResponse> {
    const classifier = this.classifier;
    if (!classifier || !this.labelInterface) return new ModelResponse({ predictions: [] });
    const { fromName, toName, field, labels } = this.choicesTextTag();
    const predictions = await classifier.predict(tasks.map((task) => textOf(task, field)));
    const allowed = new Set(labels);
    return new ModelResponse({
      model_version: this.modelVersion,
      predictions: predictions.map((p) => {
        const best = bestAllowed(p, allowed);
        return best
          ? { score: best.score, result: [{ from_name: fromName, to_name: toName, type: 'choices', value: { choices: [best.label] } }] }
          : { score: 0, result: [] };
      }),
    });
  }

  /** Records the annotation, then lets core's policy schedule a training job. */
  override async fit(event: WebhookEvent, data: WebhookData): Promise<unknown> {
    await this.recordAnnotations(event, data);
    return super.fit(event, data);
  }

  /** A background training job (scheduled by `fit`): train, save into `ctx.artifactDir`. */
  override async train(ctx: TrainingContext): Promise<TfjsTrainOutput> {
    const examples = await this.collectExamples(ctx);
    if (new Set(examples.map((e) => e.label)).size < 2) {
      throw new Error(`Need annotations with at least two different labels to train (have ${examples.length} examples)`);
    }
    await ctx.progress(0, `training on ${examples.length} examples (${this.tfjs?.backend ?? 'tfjs'})`);
    return this.trainClassifier(examples, {
      dir: ctx.artifactDir,
      signal: ctx.signal,
      onProgress: (e) => ctx.progress(Math.round(e.percent), e.message),
    });
  }

  // ---- training without the queue -----------------------------------------------------------------

  /**
   * Train a new classifier on `examples` and save it into `options.dir`. It does not serve until
   * `loadVersion` loads it, so a version is only ever served once published.
   */
  async trainClassifier(examples: readonly TextExample[], options: TrainClassifierOptions): Promise<TfjsTrainOutput> {
    this.tfjs ??= await initTfjs({ logger: this.logger });
    const labels = this.labelInterface ? this.choicesTextTag().labels : [...new Set(examples.map((e) => e.label))].sort();
    const classifier = await TextClassifier.create({ labels, ...this.classifierOptions() });
    try {
      const result = await classifier.train(examples, { ...this.trainOptions(), signal: options.signal, onProgress: options.onProgress });
      await classifier.save(options.dir);
      this.logger.info({ dir: options.dir, backend: result.backend, epochs: result.epochs, valAccuracy: result.valAccuracy, ms: result.durationMs }, 'Trained TF.js text classifier');
      return { ...result, examples: examples.length };
    } finally {
      classifier.dispose();
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------

  /** The first Choices control over a Text object; throws a clear error when the config has none. */
  protected choicesTextTag(): ChoicesTextTag {
    if (!this.labelInterface) throw new Error('TfjsTextClassifier needs a label config with <Choices> over <Text>');
    const [fromName, toName, field] = this.labelInterface.getFirstTagOccurrence('Choices', 'Text');
    return { fromName, toName, field, labels: [...(this.labelInterface.getControl(fromName)?.labels ?? [])] };
  }

  /** Labelled texts from tasks with annotations (the latest usable annotation of each task). */
  examplesFromTasks(tasks: readonly Task[]): TextExample[] {
    const tag = this.choicesTextTag();
    return tasks.flatMap((task) => {
      for (const annotation of [...(task.annotations ?? [])].reverse()) {
        const example = exampleFrom(task, annotation, tag);
        if (example) return [example];
      }
      return [];
    });
  }

  /**
   * Keep the labelled text of each annotation event in the state store (latest annotation per task
   * wins; deletions remove it). `fit` calls it for every webhook, also those that do not start a job.
   * Serialised per instance; several server processes writing one project can lose updates, which the
   * Label Studio API path avoids.
   */
  recordAnnotations(event: string, data: WebhookData): Promise<void> {
    const run = this.recording.then(async () => {
      if (!this.labelInterface) return;
      const tag = this.choicesTextTag();
      // WebhookData is Omit<> of an index-signature type, which erases its known keys: restore them.
      const payload = data as Partial<WebhookRequest>;
      const tasks = toArray(payload.task);
      const annotations = toArray(payload.annotation);
      const stored = (await this.getJSON<Record<string, StoredExample>>(EXAMPLES_KEY)) ?? {};
      if (event === 'ANNOTATION_DELETED' || event === 'ANNOTATIONS_DELETED') {
        // ANNOTATIONS_DELETED carries only annotation ids: match them against what was stored.
        const gone = new Set([...annotations, ...(payload.annotations ?? [])].map((a) => a.id));
        for (const [key, ex] of Object.entries(stored)) if (ex.annotationId !== undefined && gone.has(ex.annotationId)) delete stored[key];
      } else {
        annotations.forEach((annotation, i) => {
          const task = typeof annotation.task === 'object' ? annotation.task : (tasks.find((t) => t.id === annotation.task) ?? tasks[i] ?? tasks[0]);
          const key = task?.id ?? annotation.task;
          const example = task ? exampleFrom(task, annotation, tag) : null;
          if (key === undefined) return;
          if (example) stored[String(key)] = { ...example, annotationId: annotation.id };
          else if (stored[String(key)]?.annotationId === annotation.id) delete stored[String(key)]; // label removed
        });
      }
      await this.setJSON(EXAMPLES_KEY, stored);
    });
    this.recording = run.catch(() => undefined);
    return run;
  }
}

interface StoredExample extends TextExample {
  annotationId?: number;
}

function exampleFrom(task: Task, annotation: Annotation | undefined, tag: ChoicesTextTag): TextExample | null {
  if (!annotation || annotation.was_cancelled) return null;
  for (const item of annotation.result ?? []) {
    if (!('from_name' in item) || item.from_name !== tag.fromName) continue;
    const choices = (item.value as { choices?: unknown } | undefined)?.choices;
    const label = Array.isArray(choices) ? choices[0] : undefined;
    if (typeof label === 'string') return { text: textOf(task, tag.field), label };
  }
  return null;
}

function textOf(task: Task, field: string): string {
  const v = task.data?.[field];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** The chosen label if the config still has it, else the best label it does have. */
function bestAllowed(p: ClassPrediction, allowed: ReadonlySet<string>): { label: string; score: number } | null {
  if (allowed.has(p.label)) return p;
  let best: { label: string; score: number } | null = null;
  for (const [label, score] of Object.entries(p.scores)) if (allowed.has(label) && (!best || score > best.score)) best = { label, score };
  return best;
}

function toArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
