#!/usr/bin/env python3
"""Golden generator for Label Studio's brush RLE (packages/core/test/brush-rle.golden.json).

An independent implementation of the format label-studio-converter's `encode_rle` / `mask2rle`
write (label_studio_converter/brush.py), written from the format description, not from its code:

  header   32-bit value count | 5-bit word size - 1 (7) | four 4-bit run-field sizes - 1 ([3,4,8,16])
  per run  1-bit repeat flag | 2-bit field index | run length - 1 in that field | 8-bit value
           a run of one:  0 00 000 value
           runs of 2..8 -> field 0 (3 bits), 9..16 -> 1 (4 bits), 17..256 -> 2 (8 bits),
           longer -> 3 (16 bits), split into pieces of 65536 while more than 65536 remain; the
           remainder of a split run keeps the 16-bit field
  padding  8 - (bits % 8) zero bits (a full zero byte when already byte-aligned)

A mask (one byte per pixel) is encoded with every pixel repeated 4 times (RGBA), like `mask2rle`.
It builds the bit stream as one Python integer and finds runs with numpy, so it shares no code
shape with the TypeScript encoder it checks.

Run:  python3 packages/core/test/brush-rle-golden.py > packages/core/test/brush-rle.golden.json
"""
import json

import numpy as np


class Bits:
    def __init__(self):
        self.value = 0
        self.length = 0

    def put(self, number, width):
        assert 0 <= number < (1 << width), (number, width)
        self.value = (self.value << width) | number
        self.length += width

    def to_bytes(self):
        pad = 8 - self.length % 8
        self.put(0, pad)
        return list(self.value.to_bytes(self.length // 8, 'big'))


def runs(values):
    """(value, length) pairs of equal consecutive values."""
    values = np.asarray(values)
    if values.size == 0:
        return []
    starts = np.concatenate(([0], np.flatnonzero(values[1:] != values[:-1]) + 1))
    lengths = np.diff(np.concatenate((starts, [values.size])))
    return [(int(values[s]), int(n)) for s, n in zip(starts, lengths)]


def encode_values(values):
    bits = Bits()
    encode_into(bits, values)
    return bits.to_bytes()


def encode_into(bits, values):
    bits.put(len(values), 32)
    bits.put(8 - 1, 5)
    for size in (3, 4, 8, 16):
        bits.put(size - 1, 4)
    for value, length in runs(values):
        if length == 1:
            bits.put(0, 1)
            bits.put(0, 2)
            bits.put(0, 3)
            bits.put(value, 8)
            continue
        if length > 256:
            remaining = length
            while remaining > 65536:
                bits.put(1, 1)
                bits.put(3, 2)
                bits.put(65535, 16)
                bits.put(value, 8)
                remaining -= 65536
            bits.put(1, 1)
            bits.put(3, 2)
            bits.put(remaining - 1, 16)
            bits.put(value, 8)
            continue
        index, width = (0, 3) if length <= 8 else (1, 4) if length <= 16 else (2, 8)
        bits.put(1, 1)
        bits.put(index, 2)
        bits.put(length - 1, width)
        bits.put(value, 8)


def bit_length(values):
    """Bits before padding."""
    bits = Bits()
    bits.length = 0
    encode_into(bits, values)
    return bits.length


def encode_mask(mask):
    return encode_values(np.repeat(np.asarray(mask, dtype=np.uint8).ravel(), 4))


def blobs(width, height, seed):
    """Random filled ellipses (0 / 255), deterministic per seed."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    mask = np.zeros((height, width), dtype=np.uint8)
    for _ in range(5):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        rx, ry = rng.uniform(2, width / 3), rng.uniform(2, height / 3)
        mask[((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1] = 255
    return mask


def case(name, width, height, mask=None, values=None):
    if values is not None:
        return {'name': name, 'kind': 'values', 'runs': [list(r) for r in runs(values)], 'bits': bit_length(values), 'rle': encode_values(values)}
    flat = [int(v) for v in np.asarray(mask, dtype=np.uint8).ravel()]
    # Masks are stored as their runs (value, length) to keep the JSON small.
    repeated = np.repeat(np.array(flat, dtype=np.uint8), 4)
    return {'name': name, 'kind': 'mask', 'width': width, 'height': height, 'runs': [list(r) for r in runs(flat)], 'bits': bit_length(repeated), 'rle': encode_mask(flat)}


def main():
    rng = np.random.default_rng(7)
    cases = [
        case('empty 10x10', 10, 10, np.zeros((10, 10))),
        case('full 10x10', 10, 10, np.full((10, 10), 255)),
        case('single pixel 1x1', 1, 1, np.full((1, 1), 255)),
        case('blobs 64x48', 64, 48, blobs(64, 48, 1)),
        case('blobs 97x31', 97, 31, blobs(97, 31, 2)),
        case('checkerboard 9x9', 9, 9, (np.indices((9, 9)).sum(axis=0) % 2) * 255),
        case('noise 40x30 (many values)', 40, 30, rng.integers(0, 256, (30, 40))),
        # 200x200 full: one run of 160000 values (> 65536, split twice).
        case('full 200x200 (run split)', 200, 200, np.full((200, 200), 255)),
        # Exactly 65536 and 65537 values of one run (16384 and 16384.25 pixels: raw values).
        case('run of 65536 values', 0, 0, values=[0] * 65536),
        case('run of 65537 values', 0, 0, values=[3] * 65537),
        case('run of 131072 + 1 values', 0, 0, values=[9] * 131073),
        case('run of 257 values', 0, 0, values=[1] * 257),
        case('runs 1, 2, 8, 9, 16, 17, 256', 0, 0, values=[5] + [6] * 2 + [7] * 8 + [8] * 9 + [9] * 16 + [10] * 17 + [11] * 256),
        case('two singles', 0, 0, values=[1, 2]),
    ]
    # Streams whose bits end exactly on a byte (the converter then appends a whole zero byte). The
    # header is 53 bits; singles and runs of 2..8 take 14 bits, 9..16 take 15, 17..256 take 19.
    aligned = []
    for n in range(0, 12):
        values = [1] * 12 + [i % 2 * 7 for i in range(n)]  # one 15-bit run + n singles
        if (53 + 15 + 14 * n) % 8 == 0:
            aligned.append(case(f'byte aligned: run of 12 + {n} singles', 0, 0, values=values))
    for w in range(1, 40):
        for k in range(1, 5):
            # k white pixels (a run of 4k values), then alternating black/white pixels (runs of 4)
            pixels = [255] * k + [255 * (i % 2) for i in range(w - k)]
            if bit_length(np.repeat(np.array(pixels, dtype=np.uint8), 4)) % 8 == 0 and len(aligned) < 4:
                aligned.append(case(f'byte aligned mask {w}x1 ({k} white, then alternating)', w, 1, np.array([pixels])))
    assert len(aligned) >= 3, aligned
    cases = cases + aligned
    print(json.dumps({'generator': 'packages/core/test/brush-rle-golden.py', 'cases': cases}, separators=(',', ':')))


if __name__ == '__main__':
    main()
