// `output: 'classes'`: one text → features (straight into rows of a reusable batch buffer when the
// model takes a single float32 [batch, width] input) → the shared model's micro-batched run → class
// scores, as probabilities.
import { isProbabilityRow, sigmoid, softmax, type ClassesOutput, type RuntimeInfo } from '@lsml/core';
import { Tensor } from 'onnxruntime-node';
import { OnnxError } from './errors.js';
import { float32Tensor } from './feeds.js';
import type { OnnxModel } from './onnx-model.js';
import { toNumbers } from './outputs.js';
import { abortable, outputInfo, throwIfAborted } from './run-helpers.js';
import { DEFAULT_BATCHING, type OnnxClassesSettings, type ScoreMode } from './settings.js';
import type { Feeds } from './validate-feeds.js';

/** The classes half of an ONNX runtime, bound to one loaded model. */
export class ClassesReader {
  readonly info: RuntimeInfo;
  private readonly outName: string;
  /** Width of the model's only input when it is float32 [batch, width]: features go straight into a batch buffer. */
  private readonly width: number | undefined;
  private readonly inputName: string;
  private readonly spareBuffers: Float32Array[] = [];

  constructor(
    private readonly model: OnnxModel,
    private readonly settings: OnnxClassesSettings,
  ) {
    const out = outputInfo(model, settings.outputName);
    const classes = out.shape[out.shape.length - 1];
    if (typeof classes === 'number' && classes >= 0 && classes !== settings.labels.length) {
      throw new OnnxError(
        'invalid_settings',
        `${model.source} output "${out.name}" has ${classes} classes but ${settings.labels.length} labels were given (${settings.labels.join(', ')})`,
        { source: model.source },
      );
    }
    this.outName = out.name;
    this.inputName = model.inputNames[0] ?? '';
    this.width = featureWidth(model);
    this.info = { labels: [...settings.labels] };
  }

  async run(texts: readonly string[], signal: AbortSignal | undefined): Promise<ClassesOutput[]> {
    const { model, width } = this;
    // Featurise one batch at a time: a large request never holds every text's features at once.
    const chunk = model.batching?.maxBatchSize ?? DEFAULT_BATCHING.maxBatchSize;
    const results: ClassesOutput[] = [];
    for (let i = 0; i < texts.length; i += chunk) {
      throwIfAborted(signal);
      const part = texts.slice(i, i + chunk);
      // Rows of one zeroed buffer: a featuriser that fills `out` costs no allocation and no copy (the
      // rows of a chunk are contiguous, so the merged batch input is a view of this buffer).
      const buffer = width ? this.takeBuffer(chunk * width) : undefined;
      const items = await Promise.all(
        part.map(async (text, j) => {
          const out = buffer && width ? buffer.subarray(j * width, (j + 1) * width) : undefined;
          const features = await this.settings.featurize(text, out);
          return out && features === out ? { [this.inputName]: new Tensor('float32', out, [1, out.length]) } : this.toFeeds(features);
        }),
      );
      const outputs = await abortable(model.predictMany(items), signal);
      // Only after success: a failed or abandoned batch may still be reading the buffer.
      if (buffer) this.giveBackBuffer(buffer);
      for (const o of outputs) results.push(this.toOutput(toNumbers(o[this.outName] as Tensor)));
    }
    return results;
  }

  private toOutput(row: ArrayLike<number>): ClassesOutput {
    const { labels, multiLabel = false } = this.settings;
    if (row.length !== labels.length) {
      throw new OnnxError('invalid_settings', `${this.model.source} output "${this.outName}" has ${row.length} values per row but ${labels.length} labels were given`, {
        source: this.model.source,
      });
    }
    const probs = probabilities(row, this.settings.scores ?? 'auto', multiLabel);
    return { kind: 'classes', classes: labels.map((label, i) => ({ label, score: probs[i] as number })), multiLabel };
  }

  private toFeeds(features: ArrayLike<number> | Feeds): Feeds {
    if (!isFeatureVector(features)) return features;
    const input = this.model.inputs[0];
    if (this.model.inputs.length !== 1 || !input) {
      throw new OnnxError(
        'invalid_settings',
        `featurize() returned a vector but ${this.model.source} has ${this.model.inputs.length} inputs (${this.model.inputNames.join(', ')}); return feeds by name instead`,
        { source: this.model.source },
      );
    }
    return { [input.name]: float32Tensor(features, [1, features.length]) };
  }

  private takeBuffer(size: number): Float32Array {
    const i = this.spareBuffers.findIndex((b) => b.length === size);
    if (i < 0) return new Float32Array(size);
    const [buffer] = this.spareBuffers.splice(i, 1) as [Float32Array];
    return buffer.fill(0);
  }

  private giveBackBuffer(buffer: Float32Array): void {
    // A few are enough for the requests in flight at once.
    if (this.spareBuffers.length < 4) this.spareBuffers.push(buffer);
  }
}

/** Scores of one row as probabilities, following `ScoreMode`. */
export function probabilities(row: ArrayLike<number>, mode: ScoreMode, multiLabel: boolean): ArrayLike<number> {
  if (mode === 'probabilities') return row;
  if (mode === 'auto' && (multiLabel ? inUnitRange(row) : isProbabilityRow(row))) return row;
  return multiLabel ? sigmoid(row) : softmax(row);
}

function inUnitRange(row: ArrayLike<number>): boolean {
  for (let i = 0; i < row.length; i++) if (!((row[i] as number) >= 0 && (row[i] as number) <= 1)) return false;
  return true;
}

function featureWidth(model: OnnxModel): number | undefined {
  const [input, ...rest] = model.inputs;
  if (!input || rest.length > 0 || input.type !== 'float32' || input.shape.length !== 2) return undefined;
  const width = input.shape[1];
  return typeof width === 'number' && width > 0 ? width : undefined;
}

function isFeatureVector(value: ArrayLike<number> | Feeds): value is ArrayLike<number> {
  return ArrayBuffer.isView(value) || Array.isArray(value);
}
