// Character offsets of tokens in the original text. transformers.js tokenizers return ids but no offset
// mapping, and their normalizers (lower-casing, accent stripping, NFKC, dropped control characters)
// change the text, so tokens are matched back against a folded copy of the text that remembers where
// each folded character came from. Offsets here are JS string (UTF-16) indices; the mappings convert them
// to code points, which is how Label Studio counts Text offsets.

/** A span of a text, in UTF-16 indexes. */
export interface CharSpan {
  /** UTF-16 index of the first character. */
  start: number;
  /** UTF-16 index after the last character. */
  end: number;
}

/** Characters tokenizers drop or turn into separators: whitespace, controls, format chars (ZWJ…), U+FFFD. */
const INVISIBLE = /[\s\p{Cc}\p{Cf}\uFFFD]/u;

/** Case, compatibility forms and accents folded away: what every normalizer keeps in common. */
function fold(s: string): string {
  return s.normalize('NFKD').toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
}

/** Printable ASCII only: folding is lower-casing and nothing is invisible (the common case, kept cheap). */
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

function foldPiece(s: string): string {
  if (PRINTABLE_ASCII.test(s)) return s.toLowerCase();
  return [...fold(s)].filter((c) => !INVISIBLE.test(c)).join('');
}

interface FoldedText {
  /** The folded text without invisible characters. */
  chars: string;
  /** For each folded char: the UTF-16 start and end of the original code point it came from. */
  origStart: number[];
  origEnd: number[];
}

function foldText(text: string): FoldedText {
  let chars = '';
  const origStart: number[] = [];
  const origEnd: number[] = [];
  let i = 0;
  for (const cp of text) {
    const end = i + cp.length;
    const code = cp.charCodeAt(0);
    if (code < 0x80) {
      // ASCII: controls and spaces are invisible, letters only change case (no normalizer work per char).
      if (code > 0x20 && code !== 0x7f) {
        chars += code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 32) : cp;
        origStart.push(i);
        origEnd.push(end);
      }
      i = end;
      continue;
    }
    const before = chars.length;
    if (!INVISIBLE.test(cp)) {
      for (const c of fold(cp)) {
        if (INVISIBLE.test(c)) continue;
        chars += c;
        for (let k = 0; k < c.length; k++) {
          origStart.push(i);
          origEnd.push(end);
        }
      }
    }
    if (chars.length === before && /\p{M}/u.test(cp)) {
      // A combining mark (accent, variation selector) folds away but belongs to the character before it.
      for (let k = origEnd.length - 1; k >= 0 && origEnd[k] === i; k--) origEnd[k] = end;
    }
    i = end;
  }
  return { chars, origStart, origEnd };
}

/** BERT's basic tokenizer units: one punctuation/symbol or CJK character (with its marks), or a run of anything else but spaces. */
const BASIC_UNIT = /[\p{P}\p{S}\p{Script=Han}]\p{M}*|[^\s\p{P}\p{S}\p{Script=Han}]+/gu;
const SEPARATOR = /[\s\p{Cc}\p{Cf}\uFFFD\p{P}\p{S}\p{Script=Han}]/u;

/** The code point of `text` ending at UTF-16 index `end`. */
function codePointBefore(text: string, end: number): string {
  const low = text.charCodeAt(end - 1);
  return low >= 0xdc00 && low <= 0xdfff && end >= 2 ? text.slice(end - 2, end) : text.slice(end - 1, end);
}

/**
 * Where the piece after one or more [UNK] tokens starts: at or after `from` (each unknown token
 * covered a character), at a word start in the original text — after a space, or next to punctuation,
 * a symbol or a CJK character, where the basic tokenizer splits. -1 if none is near.
 */
function findAfterUnknown(text: string, folded: FoldedText, p: string, from: number): number {
  for (let at = folded.chars.indexOf(p, from); at >= 0 && at - from <= MAX_SKIP; at = folded.chars.indexOf(p, at + 1)) {
    const start = folded.origStart[at] as number;
    if (start === 0) return at;
    const here = String.fromCodePoint(text.codePointAt(start) ?? 0);
    if (SEPARATOR.test(codePointBefore(text, start)) || SEPARATOR.test(here)) return at;
  }
  return -1;
}

/** How far past the cursor a token may be found (characters the tokenizer dropped or covered by [UNK]). */
const MAX_SKIP = 64;

/**
 * Align token surface forms to `text`. `pieces[i]` is token i decoded on its own (sub-word markers
 * such as `##` removed), or null for an unknown token (`[UNK]`). Returns one span per token, or null
 * for a token that covers no character (e.g. a lone space marker).
 *
 * Unknown tokens, and byte pieces that decode to U+FFFD (part of an emoji in byte-level BPE), get the
 * text between their matched neighbours, split per whitespace-separated word when the counts agree.
 */
export function alignTokens(text: string, pieces: ReadonlyArray<string | null>): Array<CharSpan | null> {
  const folded = foldText(text);
  const n = folded.chars;
  // Spans in folded coordinates first.
  const spans: Array<[number, number] | null> = new Array(pieces.length).fill(null);
  const unknown: boolean[] = new Array(pieces.length).fill(false);
  let cursor = 0;
  // [UNK] tokens since the last matched one: each covers at least one character, and the token after
  // them starts a new word (WordPiece gives [UNK] for a whole word, never for part of one). Without
  // this the next piece matched inside the unknown word ("Ōsaka are" → "Ōs" + "a").
  let unknownWords = 0;
  pieces.forEach((piece, i) => {
    const p = piece === null ? '' : foldPiece(piece);
    if (p === '') {
      // [UNK], or a piece made only of bytes of a split character, or a bare space marker.
      unknown[i] = piece === null || piece.includes('\uFFFD');
      if (piece === null) unknownWords++;
      return;
    }
    const at = unknownWords > 0 ? findAfterUnknown(text, folded, p, cursor + unknownWords) : n.startsWith(p, cursor) ? cursor : n.indexOf(p, cursor);
    if (at < 0 || at - cursor > MAX_SKIP) {
      unknown[i] = true;
      return;
    }
    spans[i] = [at, at + p.length];
    cursor = at + p.length;
    unknownWords = 0;
  });

  const result: Array<CharSpan | null> = spans.map((s) =>
    s ? { start: folded.origStart[s[0]] as number, end: folded.origEnd[s[1] - 1] as number } : null,
  );

  // Unknown runs take the gap between the matched tokens around them. A run goes on across pieces with
  // no span (byte-level BPE's space pieces), which split it into groups, one per word.
  for (let i = 0; i < pieces.length; ) {
    if (!unknown[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < pieces.length && (unknown[j] || spans[j] === null)) j++;
    while (!unknown[j - 1]) j--;
    const members: number[] = [];
    const groups: number[][] = [];
    for (let k = i; k < j; k++) {
      if (!unknown[k]) continue;
      if (members.length === 0 || !unknown[k - 1]) groups.push([]);
      members.push(k);
      groups[groups.length - 1]!.push(k);
    }
    let prevEnd = 0;
    for (let k = i - 1; k >= 0; k--) {
      const s = spans[k];
      if (s) {
        prevEnd = s[1];
        break;
      }
    }
    let nextStart = n.length;
    for (let k = j; k < pieces.length; k++) {
      const s = spans[k];
      if (s) {
        nextStart = s[0];
        break;
      }
    }
    if (nextStart > prevEnd) {
      const gapStart = folded.origStart[prevEnd] as number;
      const gapEnd = folded.origEnd[nextStart - 1] as number;
      const gap = text.slice(gapStart, gapEnd);
      const at = (m: RegExpExecArray) => [gapStart + m.index, gapStart + m.index + m[0].length] as const;
      const words = [...gap.matchAll(/\S+/gu)].map(at);
      const first = words[0];
      const last = words[words.length - 1];
      if (first && last) {
        // One word per token; else WordPiece's units (it also splits punctuation and CJK characters off:
        // "L’école" → "’" "école"); else one word per group; else the whole gap for every token.
        const units = words.length === members.length ? words : [...gap.matchAll(BASIC_UNIT)].map(at);
        if (units.length === members.length) {
          members.forEach((k, m) => (result[k] = { start: units[m]![0], end: units[m]![1] }));
        } else if (groups.length === words.length) {
          groups.forEach((g, m) => g.forEach((k) => (result[k] = { start: words[m]![0], end: words[m]![1] })));
        } else {
          for (const k of members) result[k] = { start: first[0], end: last[1] };
        }
      }
    }
    i = j;
  }
  return result;
}

/** The part of a decoded token that is text: WordPiece's `##` continuation marker removed. */
export function pieceText(decoded: string, continuationPrefix = '##'): { text: string; continuation: boolean } {
  if (continuationPrefix && decoded.length > continuationPrefix.length && decoded.startsWith(continuationPrefix)) {
    return { text: decoded.slice(continuationPrefix.length), continuation: true };
  }
  return { text: decoded, continuation: false };
}
