import { describe, expect, it } from 'vitest';
import { bumpVersion } from './model-version.js';

describe('bumpVersion', () => {
  it.each([
    ['0.0.1', '0.1.0'],
    ['0.1.0', '0.2.0'],
    ['1.9.3', '1.10.0'],
    ['1.2.3-rc.1+build', '1.3.0'],
    ['SklearnTextClassifier-v0.0.1', 'SklearnTextClassifier-v0.1.0'],
    ['run-9', 'run-10'],
    ['v12345678901234567890', 'v12345678901234567891'],
    ['baseline', 'baseline-1'],
    ['', '0.1.0'],
  ])('%s -> %s', (from, to) => {
    expect(bumpVersion(from)).toBe(to);
  });
});
