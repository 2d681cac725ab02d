// Hashed n-gram bag-of-words: text → fixed-size vector with no vocabulary to fit or ship. Unlike an
// Embedding layer it trains on every backend (wasm lacks UnsortedSegmentSum) and in milliseconds.

/** Settings of a {@link HashedNgramVectorizer}; saved with the model so that predictions use the same. */
export interface TextVectorizerConfig {
  /** Vector length (hash buckets). */
  dims: number;
  /** Smallest and largest n-gram, in tokens: [1, 2] is unigrams + bigrams. */
  ngramRange: [number, number];
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
  type: 'hashed-ngram';
  formatVersion: 1;
  hash: 'fnv1a-32';
}

/** The vectoriser settings used when none are given. */
export const DEFAULT_VECTORIZER_CONFIG: Readonly<TextVectorizerConfig> = Object.freeze({
  dims: 2048,
  ngramRange: [1, 2] as [number, number],
  lowercase: true,
  sublinearTf: true,
  norm: 'l2' as const,
  seed: 0,
});

/** The file, beside `model.json`, holding the vectoriser settings. */
export const VECTORIZER_FILE = 'vectorizer.json';

// Letters, marks and digits, with inner apostrophes/hyphens kept (don't, e-mail); emoji count as words.
const WORD = /[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*|\p{Extended_Pictographic}/gu;
// Scripts written without spaces: each character is a token (bigrams then approximate words).
const UNSPACED = /(\p{Script=Han}|\p{Script=Hiragana}|\p{Script=Katakana})/u;

/** Unicode-aware tokens: NFKC-normalised, optionally lower-cased. */
export function tokenize(text: string, options: { lowercase?: boolean } = {}): string[] {
  let t = text.normalize('NFKC');
  if (options.lowercase ?? true) t = t.toLowerCase();
  const out: string[] = [];
  for (const m of t.matchAll(WORD)) {
    const word = m[0];
    if (UNSPACED.test(word)) {
      for (const part of word.split(UNSPACED)) if (part) out.push(part);
    } else {
      out.push(word);
    }
  }
  return out;
}

/** FNV-1a over UTF-16 code units: fast, stable across platforms and versions. */
export function fnv1a32(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Turns a text into a fixed-length vector of hashed word n-gram counts (no vocabulary to fit or store). */
export class HashedNgramVectorizer {
  readonly config: Readonly<TextVectorizerConfig>;

  constructor(config: Partial<TextVectorizerConfig> = {}) {
    this.config = Object.freeze(validateConfig({ ...DEFAULT_VECTORIZER_CONFIG, ...config }));
  }

  get dims(): number {
    return this.config.dims;
  }

  /** The words of `text` (lower-cased when configured). */
  tokenize(text: string): string[] {
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

  /** The settings, as saved in `vectorizer.json`. */
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
