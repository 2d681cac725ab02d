// Typed builders for model inputs: float32 features, int64 token ids, attention masks, and padding of
// ragged sequences to the longest one.
import { Tensor } from 'onnxruntime-node';

/** Which end of a sequence gets the padding. */
export type PadSide = 'right' | 'left';

function count(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkSize(what: string, length: number, dims: readonly number[]): void {
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`${what}: dims must be integers >= 0, got [${dims.join(', ')}]`);
  if (length !== count(dims)) throw new RangeError(`${what}: ${length} values do not fill dims [${dims.join(', ')}] (${count(dims)} needed)`);
}

/** A float32 tensor from any numbers (copied unless already a Float32Array). */
export function float32Tensor(data: ArrayLike<number>, dims: readonly number[]): Tensor {
  checkSize('float32Tensor', data.length, dims);
  return new Tensor('float32', data instanceof Float32Array ? data : Float32Array.from(data), dims);
}

/** An int64 tensor; numbers must be safe integers (token ids always are). */
export function int64Tensor(data: ArrayLike<number | bigint>, dims: readonly number[]): Tensor {
  checkSize('int64Tensor', data.length, dims);
  if (data instanceof BigInt64Array) return new Tensor('int64', data, dims);
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = toBigInt(data[i] as number | bigint, i);
  return new Tensor('int64', out, dims);
}

function toBigInt(v: number | bigint, i: number): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) throw new RangeError(`int64 value at ${i} is not a safe integer: ${v}`);
  return BigInt(v);
}

/** Stack equal-length feature rows into a float32 `[rows, width]` tensor (a batch of feature vectors). */
export function float32Rows(rows: ReadonlyArray<ArrayLike<number>>, width?: number): Tensor {
  const w = width ?? rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * w);
  rows.forEach((row, r) => {
    if (row.length !== w) throw new RangeError(`float32Rows: row ${r} has ${row.length} values, expected ${w}`);
    out.set(row, r * w);
  });
  return new Tensor('float32', out, [rows.length, w]);
}

/** How {@link padSequences} pads and truncates token id sequences. */
export interface PadOptions {
  /** Value for padded positions (default 0). */
  padValue?: number | bigint;
  /** Cut longer sequences to this length (keeping the start), and never pad beyond it. */
  maxLength?: number;
  /** Pad at the end (default) or at the start, as decoder-only models want. */
  side?: PadSide;
  /** Pad to at least this length even if every sequence is shorter (fixed-length models). */
  minLength?: number;
}

/** Token id sequences padded to one length: the ids and their attention mask, as int64 tensors. */
export interface PaddedSequences {
  /** int64 `[n, length]`. */
  ids: Tensor;
  /** int64 `[n, length]`: 1 for real tokens, 0 for padding. */
  mask: Tensor;
  /** Tokens kept per sequence, after truncation. */
  lengths: number[];
  length: number;
}

/** Pad ragged id sequences to the longest one: ids and attention mask as int64 `[n, length]`. */
export function padSequences(sequences: ReadonlyArray<ArrayLike<number | bigint>>, options: PadOptions = {}): PaddedSequences {
  const { padValue = 0, maxLength = Infinity, side = 'right', minLength = 0 } = options;
  const lengths = sequences.map((s) => Math.min(s.length, maxLength));
  const length = Math.min(lengths.reduce((a, b) => Math.max(a, b), minLength), maxLength);
  const ids = new BigInt64Array(sequences.length * length).fill(typeof padValue === 'bigint' ? padValue : toBigInt(padValue, 0));
  const mask = new BigInt64Array(sequences.length * length);
  sequences.forEach((seq, r) => {
    const n = lengths[r] as number;
    const start = r * length + (side === 'left' ? length - n : 0);
    for (let i = 0; i < n; i++) {
      ids[start + i] = toBigInt(seq[i] as number | bigint, i);
      mask[start + i] = 1n;
    }
  });
  return { ids: new Tensor('int64', ids, [sequences.length, length]), mask: new Tensor('int64', mask, [sequences.length, length]), lengths, length };
}

/** int64 `[n, length]` attention mask for sequences of the given lengths. */
export function attentionMask(lengths: readonly number[], length = lengths.reduce((a, b) => Math.max(a, b), 0), side: PadSide = 'right'): Tensor {
  const mask = new BigInt64Array(lengths.length * length);
  lengths.forEach((n, r) => {
    const m = Math.min(n, length);
    const start = r * length + (side === 'left' ? length - m : 0);
    mask.fill(1n, start, start + m);
  });
  return new Tensor('int64', mask, [lengths.length, length]);
}

/** Options of {@link tokenFeeds}: padding plus the model's input names. */
export interface TokenFeedOptions extends PadOptions {
  /** Input names, defaulting to the Hugging Face export's. */
  names?: { ids?: string; mask?: string; typeIds?: string };
  /** Add an all-zero `token_type_ids` input (BERT-style exports require it). */
  tokenTypeIds?: boolean;
}

/**
 * Feeds for a transformer-style model from token id sequences: `input_ids` and `attention_mask`
 * (plus `token_type_ids`), padded to the longest sequence.
 */
export function tokenFeeds(sequences: ReadonlyArray<ArrayLike<number | bigint>>, options: TokenFeedOptions = {}): Record<string, Tensor> {
  const { names = {}, tokenTypeIds = false, ...pad } = options;
  const { ids, mask } = padSequences(sequences, pad);
  const feeds: Record<string, Tensor> = { [names.ids ?? 'input_ids']: ids, [names.mask ?? 'attention_mask']: mask };
  if (tokenTypeIds) feeds[names.typeIds ?? 'token_type_ids'] = new Tensor('int64', new BigInt64Array(ids.size), ids.dims);
  return feeds;
}
