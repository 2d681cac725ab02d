// The family decoders on hand-made raw outputs: class mapping, clipping, NMS, mask scores.
import { describe, expect, it } from 'vitest';
import { COCO_CLASSES, decodeCenternet, decodeMovenet, decodeSelfie } from './image-models.js';

describe('decodeCenternet', () => {
  it('maps the class column 0-based onto COCO (15 = cat, 16 = dog), clips to the input and merges same-class overlaps', () => {
    const rows = Float32Array.from([
      -6, 7, 484, 511, 0.52, 15, // cat, sticking out left: clipped to x = 0
      -2, 6, 474, 510, 0.48, 15, // the same cat again (IoU > 0.5): merged away
      10, 10, 100, 100, 0.3, 16, // a dog overlapping the cat: another class, kept
      0, 0, 10, 10, 0.05, 0, // below minScore
      5, 5, 5, 50, 0.9, 0, // empty after clipping
    ]);
    const out = decodeCenternet(rows, 512, 512);
    expect(out.boxes).toEqual([
      { x: 0, y: 7, width: 484, height: 504, label: 'cat', score: expect.closeTo(0.52, 5) },
      { x: 10, y: 10, width: 90, height: 90, label: 'dog', score: expect.closeTo(0.3, 5) },
    ]);
    expect(COCO_CLASSES).toHaveLength(80);
    expect([COCO_CLASSES[0], COCO_CLASSES[41], COCO_CLASSES[15]]).toEqual(['person', 'cup', 'cat']);
  });
});

describe('decodeMovenet', () => {
  it('turns normalised (y, x, score) into input pixels, clipped, with the mean score', () => {
    const values = new Float32Array(17 * 3);
    values.set([0.25, 0.5, 0.9], 0); // nose at x 96, y 48
    values.set([1.01, 0.1, 0.1], 16 * 3); // right ankle just below the frame
    const out = decodeMovenet(values, 192, 192);
    const [person] = out.instances;
    expect(person!.points[0]).toEqual({ x: 96, y: 48, label: 'nose', score: expect.closeTo(0.9, 5) });
    expect(person!.points[16]).toMatchObject({ y: 192, label: 'right_ankle' });
    expect(person!.score).toBeCloseTo(1 / 17, 5);
  });
});

describe('decodeSelfie', () => {
  it('scales probabilities to 0..255 and scores the mask by its inside pixels (0 when empty)', () => {
    const out = decodeSelfie(Float32Array.from([0.9, 0.7, 0.2, 0]), 2, 2);
    expect(Array.from(out.masks[0]!.data)).toEqual([229, 178, 51, 0]); // float32 0.9 × 255 = 229.4999…
    expect(out.masks[0]!.score).toBeCloseTo(0.8, 5);
    expect(decodeSelfie(new Float32Array(4), 2, 2).masks[0]!.score).toBe(0);
  });
});
