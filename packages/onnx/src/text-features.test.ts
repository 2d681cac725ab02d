import { describe, expect, it } from 'vitest';
import { hashedBagOfWords, murmurhash3, sklearnTokens } from './text-features.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('hashed bag of words', () => {
  it('murmurhash3 matches the published MurmurHash3_x86_32 vectors', () => {
    expect(murmurhash3(bytes(''), 0)).toBe(0);
    expect(murmurhash3(bytes(''), 1)).toBe(0x514e28b7);
    expect(murmurhash3(bytes('hello'), 0) >>> 0).toBe(0x248bfa47);
    expect(murmurhash3(bytes('The quick brown fox jumps over the lazy dog'), 0) >>> 0).toBe(0x2e4ff723);
    // scikit-learn's documented example: murmurhash3_32(b"Hello World!", seed=42) == 3565178
    expect(murmurhash3(bytes('Hello World!'), 42)).toBe(3565178);
  });

  it('tokenizes like scikit-learn: lowercase, 2+ word characters, unicode letters', () => {
    expect(sklearnTokens("I can't BELIEVE it's 2024 — naïve café_au_lait!")).toEqual(['can', 'believe', 'it', '2024', 'naïve', 'café_au_lait']);
  });

  it('hashes tokens into a signed, L2-normalised vector', () => {
    const v = hashedBagOfWords('good good bad', 16);
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 6);
    expect(v.filter((x) => x !== 0).length).toBeLessThanOrEqual(2);
    const raw = hashedBagOfWords('good good bad', 1 << 20, { norm: null, alternateSign: false });
    expect(raw.reduce((s, x) => s + x, 0)).toBe(3);
    expect(raw.reduce((m, x) => Math.max(m, x), 0)).toBe(2);
    expect(hashedBagOfWords('', 8)).toEqual(new Float32Array(8));
    const out = new Float32Array(8).fill(9);
    expect(hashedBagOfWords('a', 8, { out })).toBe(out);
    expect(out).toEqual(new Float32Array(8));
  });
});
