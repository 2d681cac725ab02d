// "ONNX classifier + label list" as a Label Studio backend: loads the shared model in setup(), turns each
// task's text into features, runs them through the micro-batcher, and answers `choices` predictions with
// the project's own label names.
import { buildLabelMap, LabelStudioMLBase, ModelResponse, type BackendClass, type PredictionValue, type Task } from '@lsml/core';
import { Tensor } from 'onnxruntime-node';
import { float32Tensor } from './feeds.js';
import { loadOnnxModel, type LoadOnnxModelOptions, type OnnxModel } from './onnx-model.js';
import { isProbabilityRow, softmax, toNumbers } from './outputs.js';
import type { ModelSource } from './runtime.js';
import type { Feeds } from './validate-feeds.js';

/**
 * How to read the model's output: `logits` (softmax/sigmoid applied), `probabilities` (as they are), or `auto`
 * (logits unless every row already sums to 1).
 */
export type ScoreMode = 'auto' | 'logits' | 'probabilities';

/** The settings of an ONNX classifier backend ({@link onnxClassifier}, {@link OnnxClassifierBackend}). */
export interface OnnxClassifierConfig {
  /** The `.onnx` file: a path (relative to the working directory), a `file:` URL, or the bytes. */
  model: ModelSource;
  /** The model's class names, in the order of its output columns. */
  labels: readonly string[];
  /**
   * One task's input: a feature vector for a model with a single `[batch, features]` float32 input, or
   * complete feeds shaped as a batch of one. `text` is the task's value for the labelled object.
   * For a single float32 `[batch, width]` input, `out` is a zeroed row of the batch buffer: fill it and
   * return it (`hashedBagOfWords(text, n, { out })`) to skip an allocation and a copy per task.
   */
  featurize: (text: string, task: Task, out?: Float32Array) => ArrayLike<number> | Feeds | Promise<ArrayLike<number> | Feeds>;
  /** The output holding the class scores (default: the model's first output). */
  output?: string;
  /**
   * How to read that output: `'logits'` get a softmax, `'probabilities'` are used as they are, `'auto'`
   * (default) applies the softmax unless a row already is a distribution.
   */
  scores?: ScoreMode;
  /** The object tag(s) the text may come from (default `'Text'`; e.g. `['Text', 'HyperText']`). */
  objectTag?: string | readonly string[];
  /** Written as the project's model version when the backend starts. */
  modelVersion?: string;
  /** Session options and batching; models are shared per file across projects. */
  load?: LoadOnnxModelOptions;
}

/**
 * Base class for an ONNX text classifier backend: set `config` and export the class.
 *
 * ```ts
 * export default class Sentiment extends OnnxClassifierBackend {
 *   config = { model: './sentiment.onnx', labels: ['negative', 'positive'], featurize: (t: string) => hashedBagOfWords(t, 1024) };
 * }
 * ```
 */
export abstract class OnnxClassifierBackend extends LabelStudioMLBase {
  abstract readonly config: OnnxClassifierConfig;
  /** The shared model, set by `setup()`. */
  onnx!: OnnxModel;

  private labelMapCache: { control: string; map: Record<string, string> } | undefined;
  private spareBuffers: Float32Array[] = [];

  override async setup(): Promise<void> {
    const { model, load, modelVersion, output, labels } = this.config;
    this.onnx = await loadOnnxModel(model, load);
    const out = output ?? this.onnx.outputNames[0];
    const info = this.onnx.outputs.find((o) => o.name === out);
    if (!info) throw new Error(`Output "${output}" not found in ${this.onnx.source} (outputs: ${this.onnx.outputNames.join(', ')})`);
    const classes = info.shape[info.shape.length - 1];
    if (typeof classes === 'number' && classes !== labels.length) {
      throw new Error(`${this.onnx.source} output "${info.name}" has ${classes} classes but ${labels.length} labels were given`);
    }
    if (modelVersion) await this.set('model_version', modelVersion);
  }

  override async predict(tasks: Task[]): Promise<ModelResponse> {
    const li = this.labelInterface;
    if (!li) throw new Error('This backend needs a label config with a Choices control; the project sent none');
    const [fromName, toName, field] = li.getFirstTagOccurrence('Choices', this.config.objectTag ?? 'Text');
    const labelMap = this.labelMap(fromName);
    const outName = this.config.output ?? (this.onnx.outputNames[0] as string);
    // Featurise one batch at a time: a large "Retrieve predictions" request never holds every task's
    // features at once.
    const chunk = this.onnx.batching?.maxBatchSize ?? 64;
    const width = this.featureWidth();
    const inputName = this.onnx.inputNames[0] as string;
    const outputs: Feeds[] = [];
    for (let i = 0; i < tasks.length; i += chunk) {
      const part = tasks.slice(i, i + chunk);
      // Rows of one zeroed buffer: a featuriser that fills `out` costs no allocation and no copy (the
      // rows of a chunk are contiguous, so the batch input is a view of this buffer).
      const buffer = width ? this.takeBuffer(chunk * width) : undefined;
      const items = await Promise.all(
        part.map(async (task, j) => {
          const out = buffer && width ? buffer.subarray(j * width, (j + 1) * width) : undefined;
          const features = await this.config.featurize(textOf(task, field), task, out);
          return out && features === out ? { [inputName]: new Tensor('float32', out, [1, out.length]) } : this.toFeeds(features);
        }),
      );
      outputs.push(...(await this.onnx.predictMany(items)));
      // Only after success: a failed batch may leave a sibling batch still reading the buffer.
      if (buffer) this.giveBackBuffer(buffer);
    }
    const predictions = outputs.map((o): PredictionValue => {
      const probs = this.probabilities(toNumbers(o[outName] as NonNullable<Feeds[string]>));
      // The best class among those the project's config has a label for.
      let best = -1;
      let choice = '';
      for (let i = 0; i < probs.length; i++) {
        const label = configLabel(labelMap, this.config.labels[i]);
        if (label !== undefined && (best < 0 || (probs[i] as number) > (probs[best] as number))) {
          best = i;
          choice = label;
        }
      }
      if (best < 0) return { score: 0, result: [] };
      const score = probs[best] as number;
      return { score, result: [{ from_name: fromName, to_name: toName, type: 'choices', value: { choices: [choice] }, score }] };
    });
    return new ModelResponse({ predictions });
  }

  /** Model class name → the config's label, per control (computed once per label config). */
  protected labelMap(control: string): Record<string, string> {
    if (this.labelMapCache?.control !== control) {
      const map = buildLabelMap(this.labelInterface!, control, [...this.config.labels]);
      if (Object.keys(map).length === 0) {
        this.logger.warn({ control, modelLabels: this.config.labels }, 'No model class matches a label of this control: predictions will be empty');
      }
      this.labelMapCache = { control, map };
    }
    return this.labelMapCache.map;
  }

  /** The width of a model whose only input is float32 `[batch, width]`: features can go straight into a batch buffer. */
  private featureWidth(): number | undefined {
    const [input, ...rest] = this.onnx.inputs;
    if (!input || rest.length > 0 || input.type !== 'float32' || input.shape.length !== 2) return undefined;
    const width = input.shape[1];
    return typeof width === 'number' && width > 0 ? width : undefined;
  }

  private takeBuffer(size: number): Float32Array {
    const i = this.spareBuffers.findIndex((b) => b.length === size);
    if (i < 0) return new Float32Array(size);
    const [buffer] = this.spareBuffers.splice(i, 1) as [Float32Array];
    return buffer.fill(0);
  }

  private giveBackBuffer(buffer: Float32Array): void {
    // A few are enough for the requests of one project in flight at once.
    if (this.spareBuffers.length < 4) this.spareBuffers.push(buffer);
  }

  private toFeeds(features: ArrayLike<number> | Feeds): Feeds {
    if (!isFeatureVector(features)) return features;
    const input = this.onnx.inputs[0];
    if (this.onnx.inputs.length !== 1 || !input) {
      throw new Error(`featurize() returned a vector but ${this.onnx.source} has ${this.onnx.inputs.length} inputs; return feeds by name instead`);
    }
    return { [input.name]: float32Tensor(features, [1, features.length]) };
  }

  private probabilities(row: ArrayLike<number>): ArrayLike<number> {
    const mode = this.config.scores ?? 'auto';
    if (mode === 'probabilities' || (mode === 'auto' && isProbabilityRow(row))) return row;
    return softmax(row);
  }
}

/**
 * The config label for a model class. buildLabelMap keys a case-insensitive match by the lower-cased
 * config label (as Python does), so a model class "POS" matched by label "pos" is found under "pos".
 */
function configLabel(map: Record<string, string>, modelName: string | undefined): string | undefined {
  if (modelName === undefined) return undefined;
  return Object.hasOwn(map, modelName) ? map[modelName] : Object.hasOwn(map, modelName.toLowerCase()) ? map[modelName.toLowerCase()] : undefined;
}

function isFeatureVector(value: ArrayLike<number> | Feeds): value is ArrayLike<number> {
  return ArrayBuffer.isView(value) || Array.isArray(value);
}

function textOf(task: Task, field: string): string {
  const v = task.data?.[field];
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
}

/**
 * The same backend from a plain config: `export default onnxClassifier({ model, labels, featurize })`.
 *
 * @example
 * ```ts
 * // model.ts — serve it with `npx lsml start model.ts`
 * import { hashedBagOfWords, onnxClassifier } from '@lsml/onnx';
 *
 * export default onnxClassifier({
 *   model: new URL('./text-classifier.onnx', import.meta.url),
 *   labels: ['negative', 'neutral', 'positive'], // the model's classes, in output order
 *   featurize: (text) => hashedBagOfWords(text, 512),
 * });
 * ```
 */
export function onnxClassifier(config: OnnxClassifierConfig & { name?: string }): BackendClass {
  const { name = 'OnnxClassifier', ...rest } = config;
  const Backend = class extends OnnxClassifierBackend {
    readonly config = rest;
  };
  Object.defineProperty(Backend, 'name', { value: name });
  return Backend;
}
