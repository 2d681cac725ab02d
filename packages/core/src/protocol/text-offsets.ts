/**
 * Label Studio counts `<Text>` region offsets (`value.start`/`value.end`) in Unicode code points, as
 * Python does — not in JavaScript's UTF-16 units. The two differ after any character outside the BMP
 * (most emoji): send UTF-16 offsets and the editor paints every later span one character off.
 * These helpers convert between the two.
 */

/** The code-point offset of UTF-16 index `index` in `text`. */
export function toCodePointOffset(text: string, index: number): number {
  let cp = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    cp++;
  }
  return cp;
}

/** The UTF-16 index of code-point offset `offset` in `text` (clamped to the text's length). */
export function toUtf16Offset(text: string, offset: number): number {
  let i = 0;
  for (let cp = 0; cp < offset && i < text.length; cp++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i;
}

/** `text[start:end]` as Python (and Label Studio) reads it: offsets in code points. */
export function codePointSlice(text: string, start: number, end: number): string {
  return text.slice(toUtf16Offset(text, start), toUtf16Offset(text, end));
}
