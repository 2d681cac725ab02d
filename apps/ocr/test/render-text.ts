// Test images with known text, rendered here (Pango through sharp's `text` input) so that accuracy is
// measured against exactly what is on the page; and the character accuracy used by tests and bench.
import sharp from 'sharp';

/** A PNG of `lines` in black DejaVu Sans on white, with a margin; `dpi` sets the glyph size. */
export async function renderText(lines: readonly string[], options: { dpi?: number; margin?: number } = {}): Promise<Buffer> {
  const margin = options.margin ?? 24;
  const escaped = lines.map((l) => l.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')).join('\n');
  const text = await sharp({ text: { text: `<span foreground="black">${escaped}</span>`, font: 'DejaVu Sans', dpi: options.dpi ?? 150, rgba: true } })
    .png()
    .toBuffer();
  return sharp(text).flatten({ background: '#ffffff' }).extend({ top: margin, bottom: margin, left: margin, right: margin, background: '#ffffff' }).png().toBuffer();
}

/** Levenshtein distance over code points. */
export function levenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[t.length]!;
}

/** `1 - levenshtein / length of the truth`, whitespace runs folded to one space (floored at 0). */
export function characterAccuracy(recognised: string, truth: string): number {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const t = norm(truth);
  return Math.max(0, 1 - levenshtein(norm(recognised), t) / Math.max(1, [...t].length));
}
