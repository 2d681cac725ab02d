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

function foldPiece(s: string): string {
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
  pieces.forEach((piece, i) => {
    const p = piece === null ? '' : foldPiece(piece);
    if (p === '') {
      // [UNK], or a piece made only of bytes of a split character, or a bare space marker.
      unknown[i] = piece === null || piece.includes('\uFFFD');
      return;
    }
    const at = n.startsWith(p, cursor) ? cursor : n.indexOf(p, cursor);
    if (at < 0 || at - cursor > MAX_SKIP) {
      unknown[i] = true;
      return;
    }
    spans[i] = [at, at + p.length];
    cursor = at + p.length;
  });

  const result: Array<CharSpan | null> = spans.map((s) =>
    s ? { start: folded.origStart[s[0]] as number, end: folded.origEnd[s[1] - 1] as number } : null,
  );

  // Unknown runs take the gap between the matched tokens around them.
  for (let i = 0; i < pieces.length; ) {
    if (!unknown[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < pieces.length && unknown[j]) j++;
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
      const words = [...text.slice(gapStart, gapEnd).matchAll(/\S+/gu)].map((m) => [gapStart + (m.index ?? 0), gapStart + (m.index ?? 0) + m[0].length] as const);
      const first = words[0];
      const last = words[words.length - 1];
      if (first && last) {
        for (let k = i; k < j; k++) {
          const w = words.length === j - i ? words[k - i] : undefined;
          result[k] = w ? { start: w[0], end: w[1] } : { start: first[0], end: last[1] };
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
