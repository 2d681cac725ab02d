import { describe, expect, it } from 'vitest';
import { groupEntities, splitTag, type TokenScores } from './entity-grouping.js';

const LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];

/** A token whose best label is `label` with probability p. */
function tok(start: number, end: number, label: string, continuesWord = false, p = 0.9): TokenScores {
  const probs = LABELS.map((l) => (l === label ? p : (1 - p) / (LABELS.length - 1)));
  return { span: { start, end }, probs, continuesWord };
}

describe('groupEntities', () => {
  // "John Smith lives in Pa ##ris"
  const tokens = [
    tok(0, 4, 'B-PER'),
    tok(5, 10, 'I-PER'),
    tok(11, 16, 'O'),
    tok(17, 19, 'O'),
    tok(20, 22, 'B-LOC'),
    tok(22, 25, 'O', true),
  ];

  it('simple: groups B/I tokens, keeps sub-word labels as they are', () => {
    expect(groupEntities(tokens, LABELS, { strategy: 'simple' }).map((e) => [e.entity, e.start, e.end])).toEqual([
      ['PER', 0, 10],
      ['LOC', 20, 22],
    ]);
  });

  it('first: a word takes its first piece’s label, so spans cover whole words', () => {
    expect(groupEntities(tokens, LABELS, { strategy: 'first' }).map((e) => [e.entity, e.start, e.end])).toEqual([
      ['PER', 0, 10],
      ['LOC', 20, 25],
    ]);
  });

  it('average and max pick the word label from all of its pieces', () => {
    const word = [tok(0, 2, 'O', false, 0.5), tok(2, 5, 'B-LOC', true, 0.99)];
    expect(groupEntities(word, LABELS, { strategy: 'max' }).map((e) => [e.entity, e.start, e.end])).toEqual([['LOC', 0, 5]]);
    expect(groupEntities(word, LABELS, { strategy: 'average' }).map((e) => e.entity)).toEqual(['LOC']);
    expect(groupEntities(word, LABELS, { strategy: 'first' })).toEqual([]);
  });

  it('B starts a new entity even after the same type; I of another type too', () => {
    const seq = [tok(0, 1, 'B-PER'), tok(2, 3, 'B-PER'), tok(4, 5, 'I-LOC'), tok(6, 7, 'I-LOC')];
    expect(groupEntities(seq, LABELS).map((e) => [e.entity, e.start, e.end])).toEqual([
      ['PER', 0, 1],
      ['PER', 2, 3],
      ['LOC', 4, 7],
    ]);
  });

  it('averages scores over the span', () => {
    const [e] = groupEntities([tok(0, 1, 'B-PER', false, 0.8), tok(2, 3, 'I-PER', false, 0.6)], LABELS);
    expect(e?.score).toBeCloseTo(0.7, 5);
  });

  it('reads BIOES prefixes and bare labels', () => {
    expect(splitTag('B-PER')).toEqual(['B', 'PER']);
    expect(splitTag('S-LOC')).toEqual(['S', 'LOC']);
    expect(splitTag('PER')).toEqual(['I', 'PER']);
    const labels = ['O', 'S-X', 'E-X', 'X'];
    const t = (s: number, l: string): TokenScores => ({ span: { start: s, end: s + 1 }, probs: labels.map((x) => (x === l ? 1 : 0)), continuesWord: false });
    expect(groupEntities([t(0, 'S-X'), t(2, 'X'), t(4, 'E-X'), t(6, 'X')], labels).map((e) => [e.start, e.end])).toEqual([
      [0, 1],
      [2, 5],
      [6, 7],
    ]);
  });
});

describe('entityTypes', () => {
  it('strips B-/I-/E-/S- prefixes and drops O, in first-seen order', async () => {
    const { entityTypes } = await import('./entity-grouping.js');
    expect(entityTypes(['O', 'B-PER', 'I-PER', 'S-LOC', 'MISC'])).toEqual(['PER', 'LOC', 'MISC']);
  });
});
