import { describe, expect, it } from 'vitest';
import { fnv1a32, HashedNgramVectorizer } from './text-vectorizer.js';

describe('HashedNgramVectorizer', () => {
  it('makes unigrams and bigrams', () => {
    expect(new HashedNgramVectorizer().ngrams('Good movie, GREAT cast')).toEqual(['good', 'movie', 'great', 'cast', 'good movie', 'movie great', 'great cast']);
    expect(new HashedNgramVectorizer({ ngramRange: [2, 3] }).ngrams('a b c')).toEqual(['a b', 'b c', 'a b c']);
  });

  it('gives l2-normalised rows of the configured size, deterministically', () => {
    const v = new HashedNgramVectorizer({ dims: 64 });
    const m = v.transform(['good movie', '', 'bad bad bad movie']);
    expect(m.length).toBe(3 * 64);
    const norm = (row: number) => Math.hypot(...m.slice(row * 64, row * 64 + 64));
    expect(norm(0)).toBeCloseTo(1, 6);
    expect(norm(1)).toBe(0); // empty text: zero vector, not NaN
    expect(norm(2)).toBeCloseTo(1, 6);
    expect(v.transform(['good movie'])).toEqual(m.slice(0, 64));
    expect(new HashedNgramVectorizer({ dims: 64, seed: 1 }).transform(['good movie'])).not.toEqual(m.slice(0, 64));
  });

  it('dampens repeats with sublinear tf', () => {
    const row = new HashedNgramVectorizer({ dims: 1 << 16, ngramRange: [1, 1], norm: 'none' }).transform(['bad bad bad good']);
    const values = [...row].filter((x) => x > 0).sort();
    expect(values).toEqual([1, 1 + Math.log(3)].map((x) => Math.fround(x)));
  });

  it('round-trips through JSON and rejects bad files with their name', () => {
    const v = new HashedNgramVectorizer({ dims: 100, ngramRange: [1, 3], lowercase: false, seed: 9 });
    const back = HashedNgramVectorizer.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
    expect(back.config).toEqual(v.config);
    expect(back.transform(['Hello World'])).toEqual(v.transform(['Hello World']));
    expect(() => HashedNgramVectorizer.fromJSON({ type: 'vocab' }, '/m/vectorizer.json')).toThrow(/\/m\/vectorizer.json: unsupported vectorizer type "vocab"/);
    expect(() => HashedNgramVectorizer.fromJSON({ ...v.toJSON(), dims: 0 }, 'v.json')).toThrow(/v.json: dims must be/);
    expect(() => new HashedNgramVectorizer({ ngramRange: [2, 1] })).toThrow(/ngramRange/);
  });

  it('hashes with FNV-1a', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
  });
});
