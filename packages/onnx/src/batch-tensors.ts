// Merging the feeds of several callers into one batch along dim 0, and splitting the outputs back.
import { Tensor } from 'onnxruntime-node';
import { isDynamicDim, type Feeds, type TensorInfo } from './validate-feeds.js';

/** Pad values per input name for inputs whose dynamic dims may differ between items (token ids, masks). */
export type PadValues = Record<string, number | bigint | string | boolean>;

interface Writable {
  length: number;
  [index: number]: unknown;
}

function newLike(data: Tensor['data'], size: number): Writable {
  if (Array.isArray(data)) return new Array<string>(size).fill('');
  const Ctor = (data as unknown as { constructor: new (n: number) => Writable }).constructor;
  return new Ctor(size);
}

function fillValue(data: Tensor['data'], value: number | bigint | string | boolean): unknown {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return BigInt(value as number | bigint);
  if (Array.isArray(data)) return String(value);
  return Number(value);
}

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (dims[i + 1] as number);
  return s;
}

/**
 * Copy the block `[0..size)` in every dim of `src` (shape `srcDims`, starting at row `srcRow`) into
 * `dst` (shape `dstDims`, starting at row `dstRow`); `size` dims must fit both. Row-major.
 */
function copyBlock(
  src: ArrayLike<unknown>,
  srcDims: readonly number[],
  srcRow: number,
  dst: Writable,
  dstDims: readonly number[],
  dstRow: number,
  size: readonly number[],
): void {
  const rank = size.length;
  const ss = strides(srcDims);
  const ds = strides(dstDims);
  if (rank === 0) return;
  const inner = size[rank - 1] as number;
  const outer = size.slice(0, -1);
  const total = outer.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(outer.length).fill(0);
  for (let n = 0; n < total; n++) {
    let so = srcRow * (ss[0] as number);
    let dO = dstRow * (ds[0] as number);
    for (let k = 0; k < outer.length; k++) {
      so += (idx[k] as number) * (ss[k] as number);
      dO += (idx[k] as number) * (ds[k] as number);
    }
    if (ArrayBuffer.isView(src) && ArrayBuffer.isView(dst) && !(src instanceof DataView)) {
      (dst as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(
        (src as unknown as { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(so, so + inner),
        dO,
      );
    } else {
      for (let j = 0; j < inner; j++) dst[dO + j] = src[so + j];
    }
    for (let k = outer.length - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      if ((idx[k] as number) < (outer[k] as number)) break;
      idx[k] = 0;
    }
  }
}

/** A view over all items' data when they are back-to-back slices of one ArrayBuffer, in order. */
function contiguousView(tensors: readonly Tensor[], size: number): Writable | undefined {
  const first = tensors[0]?.data;
  if (!first || Array.isArray(first) || !ArrayBuffer.isView(first) || tensors.length < 2) return undefined;
  let next = first.byteOffset;
  for (const t of tensors) {
    const d = t.data;
    if (Array.isArray(d) || !ArrayBuffer.isView(d) || d.constructor !== first.constructor || d.buffer !== first.buffer || d.byteOffset !== next) return undefined;
    next += d.byteLength;
  }
  if (next - first.byteOffset !== size * (first as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT) return undefined;
  const Ctor = first.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => Writable;
  return new Ctor(first.buffer, first.byteOffset, size);
}

function makeTensor(type: Tensor.Type, data: Writable, dims: readonly number[]): Tensor {
  // The element type and the array kind come from the same source tensor, so they agree.
  return new Tensor(type as 'float32', data as unknown as Float32Array, dims);
}

export interface MergedFeeds {
  feeds: Feeds;
  /** Rows (dim 0) contributed by each item. */
  rows: number[];
  /** Per padded symbolic dim: each item's own size, to trim outputs that share the symbol. */
  symbolSizes: Map<string, number[]>;
}

/**
 * A key that is equal for items that can share a batch: same type and same non-batch dims, except the
 * dynamic dims of inputs that have a pad value.
 */
export function shapeKey(item: Feeds, inputs: readonly TensorInfo[], pad: PadValues): string {
  return inputs
    .map((info) => {
      const t = item[info.name] as Tensor;
      const padded = pad[info.name] !== undefined;
      return `${t.type}:${t.dims.map((d, i) => (i === 0 ? '' : padded && isDynamicDim(info.shape[i]) ? '*' : d)).join(',')}`;
    })
    .join('|');
}

/**
 * Reusable buffers for merged inputs, one per input name. A fresh multi-megabyte array per batch costs
 * page faults on every run; the model's runs are sequential, so one buffer per input is enough.
 */
export class BufferPool {
  private readonly buffers = new Map<string, Writable & { subarray(a: number, b: number): Writable }>();

  take(name: string, like: Tensor['data'], size: number): Writable {
    if (Array.isArray(like) || !ArrayBuffer.isView(like)) return newLike(like, size);
    const held = this.buffers.get(name);
    if (held && held.constructor === like.constructor && held.length >= size) return held.subarray(0, size);
    const fresh = newLike(like, size) as Writable & { subarray(a: number, b: number): Writable };
    this.buffers.set(name, fresh);
    return fresh;
  }
}

/** Concatenate items (feeds of equal shapeKey) along dim 0, padding dynamic dims of padded inputs. */
export function mergeFeeds(items: readonly Feeds[], inputs: readonly TensorInfo[], pad: PadValues, pool?: BufferPool): MergedFeeds {
  const rows = items.map((item) => (item[inputs[0]?.name ?? ''] as Tensor).dims[0] as number);
  const totalRows = rows.reduce((a, b) => a + b, 0);
  const feeds: Feeds = {};
  const symbolSizes = new Map<string, number[]>();
  for (const info of inputs) {
    const tensors = items.map((item) => item[info.name] as Tensor);
    const first = tensors[0] as Tensor;
    const rank = first.dims.length;
    const dims = [totalRows];
    for (let d = 1; d < rank; d++) {
      const max = Math.max(...tensors.map((t) => t.dims[d] as number));
      dims.push(max);
      const sym = info.shape[d];
      if (typeof sym === 'string' && sym !== '' && pad[info.name] !== undefined && !symbolSizes.has(sym)) {
        symbolSizes.set(
          sym,
          tensors.map((t) => t.dims[d] as number),
        );
      }
    }
    const size = dims.reduce((a, b) => a * b, 1);
    const view = pad[info.name] === undefined ? contiguousView(tensors, size) : undefined;
    if (view) {
      // The items are consecutive rows of one buffer already (a backend featurised them in place).
      feeds[info.name] = makeTensor(first.type, view, dims);
      continue;
    }
    const data = pool ? pool.take(info.name, first.data, size) : newLike(first.data, size);
    const padValue = pad[info.name];
    if (padValue !== undefined) {
      // Every padded position is written; unpadded inputs are fully overwritten by the copies below.
      const v = fillValue(first.data, padValue);
      if (ArrayBuffer.isView(data)) (data as unknown as { fill(v: unknown): void }).fill(v);
      else for (let i = 0; i < size; i++) data[i] = v;
    }
    let row = 0;
    tensors.forEach((t) => {
      copyBlock(t.data as ArrayLike<unknown>, t.dims, 0, data, dims, row, t.dims);
      row += t.dims[0] as number;
    });
    feeds[info.name] = makeTensor(first.type, data, dims);
  }
  return { feeds, rows, symbolSizes };
}

/**
 * Give each item its rows of every output (copies, so callers do not pin the batch's buffers), trimmed
 * back to the item's own size along output dims that share a padded input's symbol.
 */
export function splitOutputs(outputs: Feeds, merged: MergedFeeds, outputInfos: readonly TensorInfo[]): Feeds[] {
  const total = merged.rows.reduce((a, b) => a + b, 0);
  const infoByName = new Map(outputInfos.map((o) => [o.name, o]));
  const result: Feeds[] = merged.rows.map(() => ({}));
  for (const [name, tensor] of Object.entries(outputs)) {
    if (tensor.dims[0] !== total) {
      throw new Error(
        `Output "${name}" has dims [${tensor.dims.join(', ')}]: its first dim is not the batch (${total} rows), so it cannot be split ` +
          `between callers. Load the model with batching: false.`,
      );
    }
    const shape = infoByName.get(name)?.shape ?? [];
    let row = 0;
    merged.rows.forEach((n, item) => {
      const size = tensor.dims.map((d, i) => {
        if (i === 0) return n;
        const sym = shape[i];
        const own = typeof sym === 'string' ? merged.symbolSizes.get(sym)?.[item] : undefined;
        return own !== undefined && own <= d ? own : d;
      });
      const count = size.reduce((a, b) => a * b, 1);
      const data = newLike(tensor.data, count);
      copyBlock(tensor.data as ArrayLike<unknown>, tensor.dims, row, data, size, 0, size);
      (result[item] as Feeds)[name] = makeTensor(tensor.type, data, size);
      row += n;
    });
  }
  return result;
}
