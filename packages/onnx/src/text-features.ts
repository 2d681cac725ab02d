// Hashed bag-of-words features for text classifiers exported without their vectoriser. The algorithm is
// scikit-learn's HashingVectorizer with its defaults (lowercase, tokens of 2+ word characters, signed
// MurmurHash3 of each UTF-8 token, L2 norm), so a linear model trained on those features can be served
// from its ONNX export alone.

const encoder = new TextEncoder();
// Tokens are encoded into this scratch buffer (no allocation per token); it grows for long tokens.
let scratch = new Uint8Array(256);

/** `murmurhash3` of a string's UTF-8 bytes. */
function hashToken(token: string): number {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes.
  if (token.length * 3 > scratch.length) scratch = new Uint8Array(token.length * 3);
  const { written } = encoder.encodeInto(token, scratch);
  return murmur(scratch, written, 0);
}

/** MurmurHash3 x86 32-bit of `bytes`, as a signed int32 (scikit-learn's `murmurhash3_32(..., positive=False)`). */
export function murmurhash3(bytes: Uint8Array, seed = 0): number {
  return murmur(bytes, bytes.length, seed);
}

function murmur(bytes: Uint8Array, length: number, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = (bytes[o] as number) | ((bytes[o + 1] as number) << 8) | ((bytes[o + 2] as number) << 16) | ((bytes[o + 3] as number) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  let k = 0;
  switch (length & 3) {
    case 3:
      k ^= (bytes[tail + 2] as number) << 16;
    // falls through
    case 2:
      k ^= (bytes[tail + 1] as number) << 8;
    // falls through
    case 1:
      k ^= bytes[tail] as number;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

// Python's `(?u)\b\w\w+\b`: \w is a letter, a number or "_" (combining marks are not word characters there).
const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/** Lowercased tokens of two or more word characters, in order. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/** Options of {@link hashedBagOfWords}. */
export interface HashedBagOfWordsOptions {
  /** Give each token the sign of its hash so collisions tend to cancel (default true, like scikit-learn). */
  alternateSign?: boolean;
  /** Normalise to unit L2 length (default), L1, or leave raw counts. */
  norm?: 'l2' | 'l1' | null;
  /** Write into this array (zeroed first) instead of allocating. */
  out?: Float32Array;
}

/** A `nFeatures`-long vector of hashed token counts for one text. */
export function hashedBagOfWords(text: string, nFeatures: number, options: HashedBagOfWordsOptions = {}): Float32Array {
  const { alternateSign = true, norm = 'l2' } = options;
  if (!Number.isInteger(nFeatures) || nFeatures < 1) throw new RangeError(`nFeatures must be an integer >= 1 (got ${nFeatures})`);
  const v = options.out ?? new Float32Array(nFeatures);
  if (options.out) {
    if (v.length !== nFeatures) throw new RangeError(`out has ${v.length} entries, expected ${nFeatures}`);
    v.fill(0);
  }
  // Only the touched entries are visited again: wide vectors (2^15+) stay cheap for short texts.
  const touched = new Set<number>();
  for (const token of tokenize(text)) {
    const h = hashToken(token);
    // abs(INT32_MIN) overflows in C; scikit-learn maps it the same way.
    const index = h === -2147483648 ? (2147483647 - (nFeatures - 1)) % nFeatures : Math.abs(h) % nFeatures;
    v[index] = (v[index] as number) + (alternateSign && h < 0 ? -1 : 1);
    touched.add(index);
  }
  if (norm) {
    let total = 0;
    for (const i of touched) total += norm === 'l2' ? (v[i] as number) ** 2 : Math.abs(v[i] as number);
    const scale = norm === 'l2' ? Math.sqrt(total) : total;
    if (scale > 0) for (const i of touched) v[i] = (v[i] as number) / scale;
  }
  return v;
}
