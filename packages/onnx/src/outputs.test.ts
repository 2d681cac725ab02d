import { Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { softmaxRows, toNumbers, toRows, topK } from './outputs.js';
import { softmax } from '@lsml/core';

describe('output readers', () => {
  it('topK picks the best classes, first index on ties', () => {
    expect(topK([0.1, 0.7, 0.2], 2)).toEqual([
      { index: 1, score: 0.7 },
      { index: 2, score: 0.2 },
    ]);
    expect(topK([0.1], 5)).toHaveLength(1);
  });

  it('splits a [batch, classes] tensor into rows and converts integer data', () => {
    const t = new Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(toRows(t).map((r) => Array.from(r))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(toNumbers(new Tensor('int64', BigInt64Array.from([3n, -1n]), [2])))).toEqual([3, -1]);
    expect(softmaxRows(t)[1]?.[2]).toBeCloseTo(softmax([4, 5, 6])[2]!, 6);
    expect(() => toNumbers(new Tensor('string', ['a'], [1]))).toThrow(/holds strings/);
  });
});
