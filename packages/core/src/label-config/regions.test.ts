import { describe, expect, expectTypeOf, it } from 'vitest';
import type { PredictionValue } from '../protocol/types.js';
import {
  isRegionOfType,
  isRelation,
  type ChoicesRegion,
  type GenericRegion,
  type KnownRegion,
  type RectangleLabelsRegion,
  type Region,
  type Relation,
  type ResultItem,
} from './regions.js';

describe('region types', () => {
  it('accept the shapes ML backends produce, with extra keys', () => {
    const box: RectangleLabelsRegion = {
      id: 'r1',
      from_name: 'label',
      to_name: 'image',
      type: 'rectanglelabels',
      value: { x: 1, y: 2, width: 3, height: 4, rotation: 0, rectanglelabels: ['Car'] },
      score: 0.9,
      original_width: 640,
      original_height: 480,
      image_rotation: 0,
      origin: 'prediction',
      readonly: false,
      parentID: 'p',
      model_specific_key: { anything: true },
    };
    const relation: Relation = { from_id: 'r1', to_id: 'r2', type: 'relation', direction: 'bi', labels: ['near'] };
    const prediction: PredictionValue = { score: 0.5, result: [box, relation] };
    expect(prediction.result).toHaveLength(2);
  });

  it('keep an unknown control type (or a plain string type) assignable through GenericRegion', () => {
    const type: string = 'timelinelabels';
    const custom: Region = { from_name: 'c', to_name: 'v', type, value: { whatever: [1] } };
    expectTypeOf(custom).toMatchTypeOf<ResultItem>();
    expectTypeOf<GenericRegion['value']>().toEqualTypeOf<Record<string, unknown>>();
  });

  it('reject wrong value shapes for known types', () => {
    // @ts-expect-error choices must be a list of strings
    const bad: ChoicesRegion = { from_name: 'c', to_name: 't', type: 'choices', value: { choices: 'Positive' } };
    expect(bad.type).toBe('choices');
    expectTypeOf<KnownRegion['type']>().toEqualTypeOf<
      | 'choices' | 'labels' | 'rectangle' | 'rectanglelabels' | 'polygon' | 'polygonlabels' | 'keypoint'
      | 'keypointlabels' | 'ellipse' | 'ellipselabels' | 'brush' | 'brushlabels' | 'textarea' | 'number'
      | 'rating' | 'datetime' | 'taxonomy' | 'pairwise' | 'ranker' | 'timeserieslabels' | 'paragraphlabels'
      | 'hypertextlabels' | 'videorectangle' | 'vectorlabels' | 'ocrlabels' | 'timelinelabels' | 'chatmessage'
    >();
  });

  it('narrow with isRegionOfType and isRelation', () => {
    const items: ResultItem[] = [
      { from_name: 'c', to_name: 't', type: 'choices', value: { choices: ['A'] } },
      { from_id: 'a', to_id: 'b', type: 'relation' },
    ];
    const [first, second] = items as [ResultItem, ResultItem];
    expect(isRegionOfType(first, 'choices')).toBe(true);
    expect(isRegionOfType(first, 'labels')).toBe(false);
    expect(isRegionOfType(second, 'choices')).toBe(false);
    expect(isRelation(second)).toBe(true);
    if (isRegionOfType(first, 'choices')) expectTypeOf(first.value.choices).toEqualTypeOf<string[]>();
  });
});
