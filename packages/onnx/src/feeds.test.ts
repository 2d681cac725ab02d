import { describe, expect, it } from 'vitest';
import { attentionMask, float32Rows, float32Tensor, int64Tensor, padSequences, tokenFeeds } from './feeds.js';

describe('feed builders', () => {
  it('builds float32 and int64 tensors and checks that the data fills the dims', () => {
    const f = float32Tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(f.type).toBe('float32');
    expect(f.dims).toEqual([2, 3]);
    expect(f.data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
    const own = new Float32Array(4);
    expect(float32Tensor(own, [2, 2]).data).toBe(own);
    expect(int64Tensor([101, 2023n, 102], [1, 3]).data).toEqual(BigInt64Array.from([101n, 2023n, 102n]));
    expect(() => float32Tensor([1, 2, 3], [2, 2])).toThrow('float32Tensor: 3 values do not fill dims [2, 2] (4 needed)');
    expect(() => int64Tensor([1.5], [1])).toThrow('int64 value at 0 is not a safe integer: 1.5');
  });

  it('stacks feature rows and refuses ragged ones', () => {
    const t = float32Rows([[1, 2], Float32Array.from([3, 4])]);
    expect(t.dims).toEqual([2, 2]);
    expect(t.data).toEqual(Float32Array.from([1, 2, 3, 4]));
    expect(() => float32Rows([[1, 2], [3]])).toThrow('float32Rows: row 1 has 1 values, expected 2');
  });

  it('pads token ids to the longest sequence with a mask, on either side, with truncation', () => {
    const right = padSequences([[5, 6, 7], [8]], { padValue: 1 });
    expect(right.ids.dims).toEqual([2, 3]);
    expect(right.ids.data).toEqual(BigInt64Array.from([5n, 6n, 7n, 8n, 1n, 1n]));
    expect(right.mask.data).toEqual(BigInt64Array.from([1n, 1n, 1n, 1n, 0n, 0n]));
    expect(right.lengths).toEqual([3, 1]);

    const left = padSequences([[5, 6, 7], [8]], { side: 'left' });
    expect(left.ids.data).toEqual(BigInt64Array.from([5n, 6n, 7n, 0n, 0n, 8n]));
    expect(left.mask.data).toEqual(BigInt64Array.from([1n, 1n, 1n, 0n, 0n, 1n]));

    const cut = padSequences([[1, 2, 3, 4], [5]], { maxLength: 2 });
    expect(cut.ids.data).toEqual(BigInt64Array.from([1n, 2n, 5n, 0n]));
    expect(cut.lengths).toEqual([2, 1]);

    expect(padSequences([[1]], { minLength: 4 }).ids.dims).toEqual([1, 4]);
    expect(padSequences([]).ids.dims).toEqual([0, 0]);
  });

  it('builds attention masks and Hugging Face style token feeds', () => {
    expect(attentionMask([2, 0, 3]).data).toEqual(BigInt64Array.from([1n, 1n, 0n, 0n, 0n, 0n, 1n, 1n, 1n]));
    expect(attentionMask([1], 3, 'left').data).toEqual(BigInt64Array.from([0n, 0n, 1n]));
    const feeds = tokenFeeds([[101, 7592, 102], [101, 102]], { tokenTypeIds: true });
    expect(Object.keys(feeds)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(feeds.input_ids?.dims).toEqual([2, 3]);
    expect(feeds.token_type_ids?.data).toEqual(new BigInt64Array(6));
    expect(Object.keys(tokenFeeds([[1]], { names: { ids: 'ids', mask: 'mask' } }))).toEqual(['ids', 'mask']);
  });
});
