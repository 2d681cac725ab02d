// Helpers every task mapping uses: tensors → numbers, label names, label-config targets with errors that
// say what the config needs.
import { buildLabelMap, type LabelInterface, type Task } from '@lsml/core';
import type { ModelConfigLike, TensorLike, TokenizerLike } from '../library-types.js';
import type { LoadedPipeline } from '../runtime.js';

/** Where predictions go in the label config: the control, the object it labels, and the task data key. */
export interface LabelTarget {
  fromName: string;
  toName: string;
  /** `task.data` key of the object's value (`$text` → `text`). */
  field: string;
}

/** A label config problem: the backend cannot serve this project as configured. */
export class LabelConfigMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelConfigMismatchError';
  }
}

/** `getFirstTagOccurrence` with an error that names the task and the tags it needs. */
export function findTarget(li: LabelInterface | undefined, task: string, control: string, objects: readonly string[]): LabelTarget {
  if (!li) {
    throw new LabelConfigMismatchError(`${task} needs a label config with a <${control}> on a <${objects.join('|')}>; the project sent none`);
  }
  try {
    const [fromName, toName, field] = li.getFirstTagOccurrence(control, objects);
    return { fromName, toName, field };
  } catch (err) {
    const why = err instanceof Error ? ` (${err.message})` : '';
    throw new LabelConfigMismatchError(
      `${task} needs a <${control}> control whose toName is a <${objects.join('> or <')}> object in the label config${why}`,
    );
  }
}

/**
 * The config label for a model label in a `buildLabelMap` result. A case-insensitive match is keyed
 * by the lower-cased config label (Python's quirk), so the model's spelling is tried lower-cased too.
 */
export function lookupLabel(map: Readonly<Record<string, string>>, modelLabel: string): string | undefined {
  return Object.hasOwn(map, modelLabel) ? map[modelLabel] : Object.hasOwn(map, modelLabel.toLowerCase()) ? map[modelLabel.toLowerCase()] : undefined;
}

/**
 * Model label → config label for `control` (`predicted_values` honoured). Throws when nothing maps;
 * labels without a match are reported through `onUnmapped` and skipped at prediction time.
 */
export function mapModelLabels(
  li: LabelInterface,
  control: string,
  modelLabels: readonly string[],
  model: string,
  onUnmapped?: (unmapped: string[], map: Record<string, string>) => void,
): Record<string, string> {
  const map = buildLabelMap(li, control, [...modelLabels]);
  if (Object.keys(map).length === 0) {
    const configLabels = li.getControl(control).labels;
    throw new LabelConfigMismatchError(
      `None of the labels of model "${model}" (${modelLabels.join(', ')}) matches a label of <${control}> (${configLabels.join(', ')}). ` +
        `Name the config labels after the model's, or add predicted_values="<model label>" to them.`,
    );
  }
  const unmapped = modelLabels.filter((l) => lookupLabel(map, l) === undefined);
  if (unmapped.length > 0) onUnmapped?.(unmapped, map);
  return map;
}

/** The model's label names in output order, from config.json's `id2label`. */
export function modelLabelNames(config: ModelConfigLike, count?: number): string[] {
  const id2label = config.id2label ?? {};
  const n = count ?? Object.keys(id2label).length;
  return Array.from({ length: n }, (_, i) => id2label[String(i)] ?? `LABEL_${i}`);
}

export function textOf(task: Task, field: string): string {
  const v = task.data?.[field];
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Rows of a 2-D (or the last two dims of a 3-D) float tensor. */
export function rows(t: TensorLike): Float32Array[] {
  const width = t.dims[t.dims.length - 1] ?? 0;
  const data = t.data as ArrayLike<number>;
  const out: Float32Array[] = [];
  for (let i = 0; i + width <= data.length && width > 0; i += width) out.push(Float32Array.from({ length: width }, (_, k) => data[i + k] as number));
  return out;
}

export function softmax(row: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i] as number);
  const exps = Array.from({ length: row.length }, (_, i) => Math.exp((row[i] as number) - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function sigmoid(row: ArrayLike<number>): number[] {
  return Array.from({ length: row.length }, (_, i) => 1 / (1 + Math.exp(-(row[i] as number))));
}

/** A named tensor of a tokenizer/model result, or an error naming what is there instead. */
export function need(tensors: Record<string, TensorLike>, name: string): TensorLike {
  const t = tensors[name];
  if (!t) throw new Error(`expected a "${name}" tensor, got ${Object.keys(tensors).join(', ') || 'none'}`);
  return t;
}

/** Integer token ids of a [batch, seq] tensor, row by row. */
export function idRows(t: TensorLike): number[][] {
  const [batch = 0, seq = 0] = t.dims;
  const data = t.data;
  return Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, s) => Number(data[b * seq + s])));
}

export function requireTokenizer(loaded: LoadedPipeline): TokenizerLike {
  const tok = loaded.pipe.tokenizer;
  if (!tok) throw new Error(`The ${loaded.task} pipeline of "${loaded.model}" has no tokenizer`);
  return tok;
}

/** Longest input the model takes, in tokens (tokenizer limit and position table). */
export function maxTokens(loaded: LoadedPipeline): number {
  const tok = loaded.pipe.tokenizer;
  const limits = [tok?.model_max_length, loaded.pipe.model.config.max_position_embeddings, loaded.pipe.model.config.n_positions].filter(
    (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 1e9,
  );
  return limits.length > 0 ? Math.min(...limits) : 512;
}

/** A number from extra_params / options, or the fallback. */
export function numberOption(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

export function booleanOption(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  return fallback;
}
