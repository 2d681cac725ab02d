// Checking feeds against the model's declared inputs before onnxruntime sees them: its own errors name
// neither the input nor the shape it wanted.
import type { InferenceSession, Tensor } from 'onnxruntime-node';

/** One model input or output as the model file declares it. */
export interface TensorInfo {
  name: string;
  /** Element type; `null` for a non-tensor value (a sequence or map, as some sklearn exports have). */
  type: Tensor.Type | null;
  /** Fixed dims as numbers, symbolic (dynamic) dims by name, e.g. `['batch', 16]`; `[]` when unknown. */
  shape: ReadonlyArray<number | string>;
}

/** A model's inputs by name, as `session.run` takes them. */
export type Feeds = Record<string, Tensor>;

/** A feed does not match the model: names the input, what it expects and what it got. */
export class OnnxInputError extends Error {
  constructor(
    readonly input: string,
    readonly expected: { type: Tensor.Type | null; shape: ReadonlyArray<number | string> } | null,
    readonly actual: { type: string; dims: readonly number[] } | null,
    message: string,
  ) {
    super(message);
    this.name = 'OnnxInputError';
  }
}

export function toTensorInfo(meta: InferenceSession.ValueMetadata): TensorInfo {
  return meta.isTensor ? { name: meta.name, type: meta.type, shape: [...meta.shape] } : { name: meta.name, type: null, shape: [] };
}

/** `[batch, 16]`; unnamed dynamic dims show as `?`. */
export function formatShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.map((d) => (d === '' ? '?' : String(d))).join(', ')}]`;
}

export function describeInfo(info: TensorInfo): string {
  return info.type === null ? 'a non-tensor value' : `${info.type} ${formatShape(info.shape)}`;
}

/** Duck-typed so tensors from another copy of onnxruntime-common pass too. */
export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as { type?: unknown; dims?: unknown };
  return typeof t.type === 'string' && Array.isArray(t.dims);
}

/** A dim the model leaves open: a symbol, an unnamed dynamic dim, or a negative placeholder. */
export function isDynamicDim(d: number | string | undefined): boolean {
  return typeof d === 'string' || (typeof d === 'number' && d < 0);
}

/**
 * Throw an `OnnxInputError` unless `feeds` has exactly the model's inputs, each a tensor of the declared
 * type, rank and fixed dims, with every symbolic dim the same size wherever it appears.
 */
export function checkFeeds(feeds: unknown, inputs: readonly TensorInfo[]): asserts feeds is Feeds {
  const expectedList = inputs.map((i) => `${i.name} (${describeInfo(i)})`).join(', ');
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds)) {
    throw new OnnxInputError('', null, null, `Feeds must be an object of input name → Tensor; the model's inputs are ${expectedList}`);
  }
  const given = feeds as Record<string, unknown>;
  const known = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      throw new OnnxInputError(name, null, null, `Unknown input "${name}": the model's inputs are ${expectedList}`);
    }
  }
  // Symbol → [size, input that fixed it, dim index], to report which input disagrees with which.
  const symbols = new Map<string, { size: number; input: string; dim: number }>();
  for (const info of inputs) {
    const value = given[info.name];
    const expected = { type: info.type, shape: info.shape };
    if (value === undefined) {
      const names = Object.keys(given);
      throw new OnnxInputError(
        info.name,
        expected,
        null,
        `Missing input "${info.name}": the model expects ${describeInfo(info)}${names.length ? ` (given: ${names.join(', ')})` : ''}`,
      );
    }
    if (!isTensor(value)) {
      const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
      throw new OnnxInputError(info.name, expected, null, `Input "${info.name}" must be a Tensor of ${describeInfo(info)}; got ${kind}`);
    }
    const actual = { type: value.type, dims: value.dims };
    const fail = (why: string) =>
      new OnnxInputError(
        info.name,
        expected,
        actual,
        `Input "${info.name}" expects ${describeInfo(info)} but got ${value.type} ${formatShape(value.dims)}: ${why}`,
      );
    if (info.type !== null && value.type !== info.type) throw fail(`element type must be ${info.type}`);
    // An empty declared shape means the file does not say (or a scalar): leave it to onnxruntime.
    if (info.shape.length === 0) continue;
    if (value.dims.length !== info.shape.length) throw fail(`rank must be ${info.shape.length}`);
    info.shape.forEach((want, i) => {
      const got = value.dims[i] as number;
      if (typeof want === 'number' && want >= 0) {
        if (got !== want) throw fail(`dim ${i} must be ${want}`);
        return;
      }
      if (typeof want !== 'string' || want === '') return;
      const seen = symbols.get(want);
      if (!seen) {
        symbols.set(want, { size: got, input: info.name, dim: i });
      } else if (seen.size !== got) {
        throw fail(`dim ${i} ("${want}") is ${got} but input "${seen.input}" has ${seen.size} for it`);
      }
    });
  }
}
