import { describe, expect, it } from 'vitest';
import { codePointSlice, toCodePointOffset, toUtf16Offset } from './text-offsets.js';

describe('code-point offsets (how Label Studio counts Text regions)', () => {
  const text = 'a😀b 👩‍👩‍👧 café 🇩🇰!';
  it('round-trips every UTF-16 boundary that is not inside a surrogate pair', () => {
    for (let i = 0; i <= text.length; i++) {
      const low = text.charCodeAt(i);
      if (low >= 0xdc00 && low <= 0xdfff) continue;
      expect(toUtf16Offset(text, toCodePointOffset(text, i))).toBe(i);
    }
  });
  it('counts an emoji as one character', () => {
    expect(toCodePointOffset(text, 3)).toBe(2);
    expect(codePointSlice(text, 2, 3)).toBe('b');
    expect(codePointSlice(text, 0, [...text].length)).toBe(text);
    expect([...text].slice(4, 9).join('')).toBe(codePointSlice(text, 4, 9));
  });
  it('leaves BMP-only text alone', () => {
    expect(toCodePointOffset('héllo', 3)).toBe(3);
    expect(codePointSlice('héllo', 1, 4)).toBe('éll');
  });
});
