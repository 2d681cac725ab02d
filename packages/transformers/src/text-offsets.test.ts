import { describe, expect, it } from 'vitest';
import type { TokenizerLike } from './library-types.js';
import { idRows, need } from './tasks/context.js';
import { requireTokenizer } from './tasks/context.js';
import { LIBRARIES, loadTiny, OFFSET_TEXTS } from './test-models.test-helper.js';
import { alignTokens, pieceText } from './text-offsets.js';

const fold = (s: string) => s.normalize('NFKD').toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/[\s\p{Cc}\p{Cf}]/gu, '');

/** A span must not cut a surrogate pair in two. */
function onCodePointBoundary(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return true;
  const c = text.charCodeAt(i);
  return !(c >= 0xdc00 && c <= 0xdfff && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff);
}

describe('alignTokens', () => {
  it('maps plain tokens to their characters', () => {
    expect(alignTokens('John lives in Paris.', ['John', 'lives', 'in', 'Paris', '.'])).toEqual([
      { start: 0, end: 4 },
      { start: 5, end: 10 },
      { start: 11, end: 13 },
      { start: 14, end: 19 },
      { start: 19, end: 20 },
    ]);
  });

  it('gives [UNK] tokens the word between their neighbours, in UTF-16 units (emoji are 2)', () => {
    const text = 'Zoë 😀 Paris';
    expect(alignTokens(text, [null, null, 'Paris'])).toEqual([
      { start: 0, end: 3 },
      { start: 4, end: 6 },
      { start: 7, end: 12 },
    ]);
    expect(text.slice(4, 6)).toBe('😀');
  });

  it('gives a run of unknown tokens the whole gap when words and tokens do not pair up', () => {
    const text = 'a 👨‍👩‍👧 b';
    // Byte-level BPE: many U+FFFD pieces for one emoji sequence.
    const spans = alignTokens(text, ['a', '\uFFFD', '\uFFFD', '\uFFFD', 'b']);
    expect(spans[1]).toEqual({ start: 2, end: 2 + '👨‍👩‍👧'.length });
    expect(spans[4]).toEqual({ start: text.length - 1, end: text.length });
  });

  it('starts the token after an [UNK] word at the next word, not inside the unknown word', () => {
    // tiny-bert-ner's tokenizer: "Ōsaka" is one [UNK], then "are" comes as the pieces a ##r ##e.
    const text = 'Ōsaka are cities';
    const spans = alignTokens(text, [null, 'a', 'r', 'e', 'c', 'i', 't', 'ie', 's']);
    expect(spans.map((s) => s && text.slice(s.start, s.end))).toEqual(['Ōsaka', 'a', 'r', 'e', 'c', 'i', 't', 'ie', 's']);
    expect(spans[0]).toEqual({ start: 0, end: 5 });
    expect(spans[1]).toEqual({ start: 6, end: 7 });
    // An [UNK] word at the end, and one whose letters reappear in the next word.
    expect(alignTokens('go Ōsaka', ['go', null])[1]).toEqual({ start: 3, end: 8 });
    expect(alignTokens('Ōbo bob', [null, 'bob'])).toEqual([
      { start: 0, end: 3 },
      { start: 4, end: 7 },
    ]);
  });

  it('splits a gap of several [UNK]s at punctuation as the basic tokenizer does', () => {
    const text = 'L’Ōcole de Paris';
    const spans = alignTokens(text, ['L', null, null, 'de', 'Paris']);
    expect(spans.map((s) => s && text.slice(s.start, s.end))).toEqual(['L', '’', 'Ōcole', 'de', 'Paris']);
  });

  it('gives each space-separated group of byte pieces its own word (byte-level BPE)', () => {
    const text = 'Zoë 😀 Marie';
    const F = '\uFFFD';
    const spans = alignTokens(text, ['Z', 'o', F, F, ' ', F, F, F, F, ' ', 'Marie']);
    expect(spans.map((s) => s && text.slice(s.start, s.end))).toEqual(['Z', 'o', 'ë', 'ë', null, '😀', '😀', '😀', '😀', null, 'Marie']);
  });

  it('matches through lower-casing, accent stripping and compatibility forms', () => {
    const text = 'Café ＧＯ ﬁne École';
    const spans = alignTokens(text, ['cafe', 'go', 'fi', 'ne', 'e', '##cole'.slice(2)]);
    expect(spans.map((s) => s && text.slice(s.start, s.end))).toEqual(['Café', 'ＧＯ', 'ﬁ', 'ne', 'É', 'cole']);
  });

  it('handles decomposed accents (combining marks belong to their letter)', () => {
    const text = 'e\u0301cole';
    const spans = alignTokens(text, ['e', 'cole']);
    expect(spans).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 6 },
    ]);
    expect(alignTokens('cafe\u0301 ok', ['cafe', 'ok'])[0]).toEqual({ start: 0, end: 5 });
    // A variation selector stays with its emoji.
    expect(alignTokens('a \u2764\ufe0f b', ['a', null, 'b'])[1]).toEqual({ start: 2, end: 4 });
  });

  it('leaves pieces that are only whitespace without a span', () => {
    expect(alignTokens('a b', ['a', ' ', ' b'])).toEqual([{ start: 0, end: 1 }, null, { start: 2, end: 3 }]);
  });

  it('strips the WordPiece continuation marker', () => {
    expect(pieceText('##ing')).toEqual({ text: 'ing', continuation: true });
    expect(pieceText('##')).toEqual({ text: '##', continuation: false });
    expect(pieceText('word')).toEqual({ text: 'word', continuation: false });
  });
});

describe.each(LIBRARIES)('alignTokens on real tokenizers (%s)', (library) => {
  const models = ['token-classification', 'text-classification', 'text-generation'] as const;

  it.each(models)('every token of the %s tokenizer indexes the text exactly', async (task) => {
    const tok: TokenizerLike = requireTokenizer(await loadTiny(library, task));
    const special = new Set(tok.all_special_ids ?? []);
    const unk = tok.unk_token_id ?? tok.model?.unk_token_id;
    for (const text of OFFSET_TEXTS) {
      const ids = (idRows(need(tok(text, { add_special_tokens: false }), 'input_ids'))[0] ?? []).filter((id) => id === unk || !special.has(id));
      const pieces = ids.map((id) => (id === unk ? null : pieceText(tok.decode([id])).text));
      const spans = alignTokens(text, pieces);
      let prev: { start: number; end: number } | undefined;
      spans.forEach((span, i) => {
        if (!span) return;
        expect(span.start).toBeGreaterThanOrEqual(0);
        expect(span.end).toBeLessThanOrEqual(text.length);
        expect(span.end).toBeGreaterThan(span.start);
        expect(onCodePointBoundary(text, span.start) && onCodePointBoundary(text, span.end)).toBe(true);
        // Tokens come in text order and do not overlap; only a run of unknown tokens may share one span.
        if (prev && !(span.start === prev.start && span.end === prev.end)) {
          expect(span.start, `token ${i} of ${JSON.stringify(text)} starts before the previous one ends`).toBeGreaterThanOrEqual(prev.end);
        }
        prev = span;
        const piece = pieces[i];
        if (piece !== null && piece !== undefined && !piece.includes('\uFFFD')) {
          // The characters under the span are the token (up to the tokenizer's normalisation).
          expect(fold(text.slice(span.start, span.end))).toContain(fold(piece));
        }
      });
      // Nothing but whitespace is left uncovered for WordPiece tokenizers (UNK covers unknown words).
      if (task !== 'text-generation') {
        const covered = new Array<boolean>(text.length).fill(false);
        for (const s of spans) if (s) for (let k = s.start; k < s.end; k++) covered[k] = true;
        const uncovered = [...text].map((c, k) => (covered[k] ? '' : text[k])).join('');
        expect(uncovered.replace(/[\s\u200d]/gu, '')).toBe('');
      }
    }
  });
});
