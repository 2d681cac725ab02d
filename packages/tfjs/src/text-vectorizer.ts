import { tokenize } from '@lsml/core';

// Hashed n-gram bag-of-words: text → fixed-size vector with no vocabulary to fit or ship. Unlike an
// Embedding layer it trains on every backend (wasm lacks UnsortedSegmentSum) and in milliseconds.

/** How texts become hashed n-gram vectors (all of it is saved in `vectorizer.json`). */
export interface TextVectorizerConfig {
  /** Vector length (hash buckets). */
  dims: number;
  /** Smallest and largest n-gram, in tokens: [1, 2] is unigrams + bigrams. */
  ngramRange: [number, number];
  /** Lower-case before tokenising. */
  lowercase: boolean;
  /** Count c becomes 1 + ln(c), so one repeated word does not dominate. */
  sublinearTf: boolean;
  /** Scale each row to unit length: long and short texts look alike to the model. */
  norm: 'l2' | 'none';
  /** Changes the hash; models trained with one seed need the same seed. */
  seed: number;
}

/** What `vectorizer.json` holds: the whole mapping, since a hashing vectoriser has no vocabulary. */
export interface TextVectorizerJSON extends TextVectorizerConfig {
  /** The vectoriser kind. */
  type: 'hashed-ngram';
  /** Version of this file format. */
  formatVersion: 1;
  /** The hash of the n-grams. */
  hash: 'fnv1a-32';
}

/** Defaults of `HashedNgramVectorizer`. */
export const DEFAULT_VECTORIZER_CONFIG: Readonly<TextVectorizerConfig> = Object.freeze({
  dims: 2048,
  ngramRange: [1, 2] as [number, number],
  lowercase: true,
  sublinearTf: true,
  norm: 'l2' as const,
  seed: 0,
});

/** The file beside `model.json` that holds the vectoriser's configuration. */
export const VECTORIZER_FILE = 'vectorizer.json';

/** FNV-1a over UTF-16 code units: fast, stable across platforms and versions. */
export function fnv1a32(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A sparse row-major matrix (CSR): row `r` holds `values[indptr[r]..indptr[r+1]]` at the columns
 * `indices[...]`. Text rows have a few hundred non-zeros out of 2^18 columns, so this is what the
 * text classifier trains and predicts on.
 */
export interface SparseRows {
  /** Number of rows (texts). */
  readonly rows: number;
  /** Number of columns (hash buckets). */
  readonly cols: number;
  /** `rows + 1` offsets into `indices` / `values`. */
  readonly indptr: Int32Array;
  /** Column of each non-zero. */
  readonly indices: Int32Array;
  /** Value of each non-zero. */
  readonly values: Float32Array;
}

/**
 * Text → fixed-size hashed n-gram vector (sublinear tf, l2-normalised rows), with no vocabulary to fit.
 *
 * ```ts
 * const v = new HashedNgramVectorizer({ dims: 1 << 18, ngramRange: [1, 2] });
 * const rows = v.transformSparse(['good movie', 'bad film']);
 * ```
 */
export class HashedNgramVectorizer {
  /** The validated configuration. */
  readonly config: Readonly<TextVectorizerConfig>;

  constructor(config: Partial<TextVectorizerConfig> = {}) {
    this.config = Object.freeze(validateConfig({ ...DEFAULT_VECTORIZER_CONFIG, ...config }));
  }

  /** Vector length (`config.dims`). */
  get dims(): number {
    return this.config.dims;
  }

  /** The tokens of a text under this configuration. */
  tokenize(text: string): string[] {
    // Core's one tokenizer ('words' style: NFKC Unicode words, emoji, unspaced scripts per character).
    return tokenize(text, { lowercase: this.config.lowercase });
  }

  /** The n-grams of a text; tokens never contain spaces, so joining with one is unambiguous. */
  ngrams(text: string): string[] {
    const tokens = this.tokenize(text);
    const [lo, hi] = this.config.ngramRange;
    const out: string[] = [];
    for (let n = lo; n <= hi; n++) {
      for (let i = 0; i + n <= tokens.length; i++) out.push(n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(' '));
    }
    return out;
  }

  /** Row-major `texts.length × dims` matrix, ready for `tf.tensor2d(values, [n, dims])`. */
  transform(texts: readonly string[]): Float32Array {
    const { dims, seed, sublinearTf, norm } = this.config;
    const out = new Float32Array(texts.length * dims);
    const touched: number[] = [];
    texts.forEach((text, row) => {
      // Count straight into the output row; `touched` lists the buckets to rescale (rows are sparse).
      const base = row * dims;
      touched.length = 0;
      for (const gram of this.ngrams(text)) {
        const i = base + (fnv1a32(gram, seed) % dims);
        if (out[i] === 0) touched.push(i);
        out[i]! += 1;
      }
      let sumSq = 0;
      for (const i of touched) {
        const v = sublinearTf ? 1 + Math.log(out[i]!) : out[i]!;
        out[i] = v;
        sumSq += v * v;
      }
      if (norm === 'l2' && sumSq > 0) {
        const scale = 1 / Math.sqrt(sumSq);
        for (const i of touched) out[i]! *= scale;
      }
    });
    return out;
  }

  /**
   * Sparse rows of `texts` (same values as `transform`, without the zeros): what training and
   * prediction use, since a dense row of 2^18 floats is 1 MB.
   */
  transformSparse(texts: readonly string[]): SparseRows {
    const { dims, seed, sublinearTf, norm } = this.config;
    const indptr = new Int32Array(texts.length + 1);
    let indices = new Int32Array(Math.max(16, texts.length * 64));
    let values = new Float32Array(indices.length);
    let nnz = 0;
    const counts = new Map<number, number>();
    texts.forEach((text, row) => {
      counts.clear();
      for (const gram of this.ngrams(text)) {
        const col = fnv1a32(gram, seed) % dims;
        counts.set(col, (counts.get(col) ?? 0) + 1);
      }
      if (nnz + counts.size > indices.length) {
        const grown = Math.max(indices.length * 2, nnz + counts.size);
        const i2 = new Int32Array(grown);
        i2.set(indices.subarray(0, nnz));
        const v2 = new Float32Array(grown);
        v2.set(values.subarray(0, nnz));
        indices = i2;
        values = v2;
      }
      const start = nnz;
      let sumSq = 0;
      for (const [col, c] of counts) {
        const v = sublinearTf ? 1 + Math.log(c) : c;
        indices[nnz] = col;
        values[nnz] = v;
        sumSq += v * v;
        nnz++;
      }
      if (norm === 'l2' && sumSq > 0) {
        const scale = 1 / Math.sqrt(sumSq);
        for (let i = start; i < nnz; i++) values[i]! *= scale;
      }
      indptr[row + 1] = nnz;
    });
    return { rows: texts.length, cols: dims, indptr, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
  }

  /** The configuration as saved in `vectorizer.json`. */
  toJSON(): TextVectorizerJSON {
    return { type: 'hashed-ngram', formatVersion: 1, hash: 'fnv1a-32', ...this.config, ngramRange: [...this.config.ngramRange] };
  }

  /** Rebuild from `toJSON()` output; `file` names the source in errors. */
  static fromJSON(json: unknown, file = VECTORIZER_FILE): HashedNgramVectorizer {
    if (typeof json !== 'object' || json === null) throw new Error(`${file}: expected a JSON object`);
    const j = json as Partial<TextVectorizerJSON>;
    if (j.type !== 'hashed-ngram') throw new Error(`${file}: unsupported vectorizer type ${JSON.stringify(j.type)} (expected "hashed-ngram")`);
    if (j.formatVersion !== 1 || j.hash !== 'fnv1a-32') throw new Error(`${file}: unsupported vectorizer format ${j.formatVersion}/${j.hash}`);
    try {
      return new HashedNgramVectorizer({
        dims: j.dims,
        ngramRange: j.ngramRange,
        lowercase: j.lowercase,
        sublinearTf: j.sublinearTf,
        norm: j.norm,
        seed: j.seed,
      } as TextVectorizerConfig);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
  }
}

function validateConfig(c: TextVectorizerConfig): TextVectorizerConfig {
  const { dims, ngramRange, norm, seed, lowercase, sublinearTf } = c;
  if (!Number.isInteger(dims) || dims < 1 || dims > 1 << 24) throw new RangeError(`dims must be an integer in 1..2^24, got ${dims}`);
  if (!Array.isArray(ngramRange) || ngramRange.length !== 2 || !ngramRange.every((n) => Number.isInteger(n) && n >= 1) || ngramRange[0] > ngramRange[1]) {
    throw new RangeError(`ngramRange must be [min, max] with 1 <= min <= max, got ${JSON.stringify(ngramRange)}`);
  }
  if (norm !== 'l2' && norm !== 'none') throw new RangeError(`norm must be "l2" or "none", got ${JSON.stringify(norm)}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (typeof lowercase !== 'boolean' || typeof sublinearTf !== 'boolean') throw new TypeError('lowercase and sublinearTf must be booleans');
  return { dims, ngramRange: [ngramRange[0], ngramRange[1]], norm, seed, lowercase, sublinearTf };
}
