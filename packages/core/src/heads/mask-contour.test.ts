// maskContour: the outline of a mask's largest blob along pixel edges, simplified.
import { describe, expect, it } from 'vitest';
import { maskContour } from './mask-contour.js';

/** A mask from rows of '#' (inside) and '.' (outside). */
function parse(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length;
  const mask = new Uint8Array(width * rows.length);
  rows.forEach((row, y) => [...row].forEach((c, x) => (mask[y * width + x] = c === '#' ? 255 : 0)));
  return { mask, width, height: rows.length };
}

/** Shoelace area of a polygon. */
const area = (points: Array<[number, number]>) => Math.abs(points.reduce((s, [x, y], i) => {
  const [nx, ny] = points[(i + 1) % points.length]!;
  return s + x * ny - nx * y;
}, 0)) / 2;

describe('maskContour', () => {
  it('traces a square along pixel edges, clockwise from its top-left corner', () => {
    const { mask, width, height } = parse(['....', '.##.', '.##.', '....']);
    expect(maskContour(mask, width, height)).toEqual([
      [1, 1],
      [3, 1],
      [3, 3],
      [1, 3],
    ]);
  });

  it('follows concave shapes exactly without simplification (area = pixel count)', () => {
    const { mask, width, height } = parse(['#####', '#...#', '#.#.#', '###.#', '....#']);
    const ring = maskContour(mask, width, height, 0);
    // The '.' cells inside reach the outside through (3, 4): the outline encloses exactly the 15 pixels.
    expect(area(ring)).toBe(15);
    // A closed hole is inside the outer outline (PolygonLabels have no holes).
    const ringed = parse(['###', '#.#', '###']);
    expect(area(maskContour(ringed.mask, 3, 3, 0))).toBe(9);
  });

  it('keeps only the largest 4-connected blob (diagonal touches are separate blobs)', () => {
    const { mask, width, height } = parse(['##....', '##....', '..###.', '..###.', '..###.']);
    expect(maskContour(mask, width, height)).toEqual([
      [2, 2],
      [5, 2],
      [5, 5],
      [2, 5],
    ]);
  });

  it('handles blobs touching the image border and single pixels', () => {
    expect(maskContour(new Uint8Array([255]), 1, 1)).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(maskContour(new Uint8Array(9), 3, 3)).toEqual([]);
  });

  it('simplifies a circle to a few vertices within the tolerance', () => {
    const size = 101;
    const mask = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if ((x - 50) ** 2 + (y - 50) ** 2 <= 40 ** 2) mask[y * size + x] = 255;
    const exact = maskContour(mask, size, size, 0);
    const simple = maskContour(mask, size, size, 1.5);
    expect(simple.length).toBeLessThan(exact.length / 4);
    expect(Math.abs(area(simple) - Math.PI * 40 ** 2) / (Math.PI * 40 ** 2)).toBeLessThan(0.03);
  });
});
