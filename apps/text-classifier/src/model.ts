/**
 * Text classifier (Choices ← Text) that learns from the annotations of a Label Studio project.
 *
 * - Model: hashed unigram bag-of-words (8,192 buckets, no vocabulary to fit) → one dense softmax layer,
 *   i.e. multinomial logistic regression in TF.js, with a softmax temperature fitted on held-out
 *   annotations so that `score` is a calibrated probability (sort by it for active learning).
 * - Before the first training there is no model: `/predict` answers `{"results": []}` (Label Studio
 *   stores nothing and asks again once `model_version` changes).
 * - Training runs as a background job on ANNOTATION_CREATED / ANNOTATION_UPDATED / ANNOTATIONS_CREATED
 *   every TRAIN_EVERY (default 10) new annotations, and on "Start Training" (START_TRAINING, whose
 *   project id comes from `project.id`). Each finished job publishes the next `model_version`
 *   (TextClassifier-v0 → v1 → v2 …), which serves at once and after a restart.
 * - Training data: every annotation received by webhook (kept in the project state, so `ctx.events`
 *   of every job so far) plus, with LABEL_STUDIO_URL + LABEL_STUDIO_API_KEY, every annotated task of the
 *   project read through the Label Studio API (that one wins for a task both know).
 */
import type { TrainingContext } from '@lsml/core';
import { EXAMPLES_KEY, TfjsTextClassifier, type TextExample, type TfjsTrainOutput } from '@lsml/tfjs';

export const DEFAULT_TRAIN_EVERY = 10;

/** TRAIN_EVERY: annotations between two automatic trainings (START_TRAINING always trains). */
export function trainEveryFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TRAIN_EVERY?.trim();
  if (!raw) return DEFAULT_TRAIN_EVERY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`TRAIN_EVERY must be a positive integer, got "${raw}"`);
  return n;
}

/** Where the examples of a training run came from; part of `train_output` (see POST /job_status). */
export interface TrainingSources {
  /** Annotations received by webhook (latest per task). */
  webhooks: number;
  /** Annotated tasks read from the Label Studio API; null when the API is not configured. */
  labelStudioApi: number | null;
  /** Why the API could not be read (training then used the webhook annotations only). */
  labelStudioApiError?: string;
}

export default class TextClassifier extends TfjsTextClassifier {
  static override training = { trainEvery: trainEveryFromEnv() };

  protected override classifierOptions() {
    return {
      // Unigrams beat unigrams + bigrams on a few hundred annotations (fewer, denser features), and
      // 8,192 buckets keep hash collisions rare at half the training cost of 16,384.
      vectorizer: { dims: 8192, ngramRange: [1, 1] as [number, number] },
      hiddenUnits: 0, // logistic regression: convex, fast, and its probabilities calibrate well
      learningRate: 0.2,
      l2: 3e-5,
    };
  }

  protected override trainOptions() {
    // A fixed 30 epochs with L2 instead of early stopping: on the small validation split of a young
    // project (20 examples at 100 annotations) early stopping is noise and sometimes keeps an
    // epoch-1 model. The 20 % held out still fits the softmax temperature that calibrates `score`.
    return { epochs: 30, batchSize: 128, earlyStopping: false as const };
  }

  override async setup() {
    await super.setup();
    await this.initModelVersion('TextClassifier-v0');
    // Fail /setup at once, with the reason Label Studio shows, if the config has no Choices over Text.
    if (this.labelInterface) this.choicesTextTag();
  }

  /** A background job (scheduled by the webhooks): gather the examples, train, save into artifactDir. */
  override async train(ctx: TrainingContext): Promise<TfjsTrainOutput & { sources: TrainingSources }> {
    const { examples, sources } = await this.trainingExamples(ctx);
    if (new Set(examples.map((e) => e.label)).size < 2) {
      throw new Error(`Need annotations with at least two different labels to train (have ${examples.length})`);
    }
    await ctx.progress(0, `training on ${examples.length} examples`);
    const output = await this.trainClassifier(examples, {
      dir: ctx.artifactDir,
      signal: ctx.signal,
      onProgress: (e) => ctx.progress(Math.round(e.percent), e.message),
    });
    return { ...output, sources }; // stored as train_output, shown by POST /job_status
  }

  /** Webhook annotations ∪ the Label Studio API's annotated tasks, one example per task. */
  async trainingExamples(ctx: TrainingContext): Promise<{ examples: TextExample[]; sources: TrainingSources }> {
    // `fit` records the annotation of every webhook: the events of this job and of all earlier ones.
    const byTask = new Map(Object.entries((await this.getJSON<Record<string, TextExample>>(EXAMPLES_KEY)) ?? {}));
    const sources: TrainingSources = { webhooks: byTask.size, labelStudioApi: null };
    const client = labelStudioClient(ctx);
    if (client) {
      try {
        const tasks = await client.annotatedTasks(ctx.projectId, { signal: ctx.signal });
        for (const task of tasks) {
          const [example] = this.examplesFromTasks([task]);
          if (example) byTask.set(String(task.id), example);
        }
        sources.labelStudioApi = tasks.length;
      } catch (err) {
        ctx.signal.throwIfAborted();
        sources.labelStudioApiError = (err as Error).message;
        ctx.logger.warn({ err }, 'Could not read annotated tasks from Label Studio: training on the webhook annotations only');
      }
    }
    return { examples: [...byTask.values()].map(({ text, label }) => ({ text, label })), sources };
  }
}

/** The Label Studio API client, or null when LABEL_STUDIO_URL is not set. */
function labelStudioClient(ctx: TrainingContext) {
  try {
    return ctx.labelStudio();
  } catch {
    return null;
  }
}
