// Label Studio brush RLE: byte-identical to label-studio-converter's encoder on golden masks that an
// independent Python implementation wrote (brush-rle-golden.py → brush-rle.golden.json), and
// decode(encode(x)) = x.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeRle, decodeRleValues, encodeRle, encodeRleValues } from '../src/label-config/brush-rle.js';

interface GoldenCase {
  name: string;
  kind: 'mask' | 'values';
  width?: number;
  height?: number;
  /** [value, length] runs of the mask (one byte per pixel) or of the raw values. */
  runs: Array<[number, number]>;
  /** Bits before padding. */
  bits: number;
  rle: number[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(fs.readFileSync(path.join(here, 'brush-rle.golden.json'), 'utf8')) as { cases: GoldenCase[] };

function expand(runs: Array<[number, number]>): Uint8Array {
  const out = new Uint8Array(runs.reduce((n, [, len]) => n + len, 0));
  let i = 0;
  for (const [value, len] of runs) {
    out.fill(value, i, i + len);
    i += len;
  }
  return out;
}

describe('brush RLE', () => {
  it('has goldens for every case the format has: singles, each run field, splits over 65536, byte-aligned ends', () => {
    const names = golden.cases.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['empty 10x10', 'full 10x10', 'full 200x200 (run split)', 'run of 65537 values', 'noise 40x30 (many values)']));
    expect(golden.cases.filter((c) => c.bits % 8 === 0).length).toBeGreaterThanOrEqual(4);
  });

  for (const c of golden.cases) {
    it(`encodes "${c.name}" byte for byte like the converter, and decodes it back`, () => {
      const data = expand(c.runs);
      if (c.kind === 'mask') {
        expect(data.length).toBe(c.width! * c.height!);
        expect(encodeRle(data)).toEqual(c.rle);
        expect(encodeRleValues(Array.from(data).flatMap((v) => [v, v, v, v]))).toEqual(c.rle);
        expect(decodeRle(c.rle)).toEqual(data);
      } else {
        expect(encodeRleValues(data)).toEqual(c.rle);
        expect(decodeRleValues(c.rle)).toEqual(data);
      }
      // The converter pads 1..8 zero bits: a whole zero byte when the bits end on a byte.
      expect(c.rle.length).toBe(Math.floor(c.bits / 8) + 1);
    });
  }

  it('round-trips a large random mask', () => {
    const width = 513;
    const height = 257;
    const mask = new Uint8Array(width * height);
    let seed = 42;
    for (let i = 0; i < mask.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      // Runs of random lengths, mostly long.
      mask[i] = i > 0 && seed % 97 !== 0 ? mask[i - 1]! : mask[i - 1] === 255 ? 0 : 255;
    }
    expect(decodeRle(encodeRle(mask))).toEqual(mask);
  });

  it('refuses bad input with a clear error', () => {
    expect(() => encodeRle([0, 256])).toThrow('RLE: mask value 256 at 1 is not a byte (0..255)');
    expect(() => encodeRleValues([1.5])).toThrow(RangeError);
    // Truncated: the header declares 400 values but the data stops.
    expect(() => decodeRle(encodeRle(new Uint8Array(100).fill(255)).slice(0, 8))).toThrow('RLE: the data ends before the declared number of values');
    // A header declaring 2^32 - 1 values is refused before anything is allocated.
    expect(() => decodeRleValues([255, 255, 255, 255, 57, 27, 255])).toThrow('more than the limit');
  });
});
