import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLabelMap } from './build-label-map.js';
import { LabelInterface } from './label-interface.js';
import { parseConfig } from './parse-config.js';

const rectangleLabels = (labels: string) => `<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    ${labels}
  </RectangleLabels>
</View>`;

// The seven cases of label-studio-ml-backend tests/test_build_label_map.py, verbatim.
const PYTHON_CASES: Array<[string, string, string[], Record<string, string>]> = [
  ['empty labels_attrs', rectangleLabels(''), ['car', 'truck'], {}],
  [
    'with predicted_values',
    rectangleLabels('<Label value="Car" predicted_values="car,truck"/><Label value="Airplane" predicted_values="airplane"/>'),
    ['car', 'truck', 'airplane'],
    { car: 'Car', truck: 'Car', airplane: 'Airplane' },
  ],
  [
    'without predicted_values',
    rectangleLabels('<Label value="Car"/><Label value="Airplane"/>'),
    ['car', 'airplane'],
    { car: 'Car', airplane: 'Airplane' },
  ],
  [
    'partial matching labels',
    rectangleLabels('<Label value="Car" predicted_values="car"/><Label value="Plane" predicted_values="airplane"/><Label value="Flower"/>'),
    ['car', 'airplane', 'bicycle'],
    { car: 'Car', airplane: 'Plane' },
  ],
  [
    'mixed matching labels',
    rectangleLabels('<Label value="Car" predicted_values="car"/><Label value="Plane" predicted_values="airplane"/><Label value="Bicycle"/>'),
    ['car', 'airplane', 'bicycle'],
    { car: 'Car', airplane: 'Plane', bicycle: 'Bicycle' },
  ],
  [
    'mixed matching with a capitalised model name and a space',
    rectangleLabels('<Label value="Car" predicted_values="car"/><Label value="Plane" predicted_values="airplane"/><Label value="Bicycle space"/>'),
    ['car', 'airplane', 'Bicycle space'],
    { car: 'Car', airplane: 'Plane', 'Bicycle space': 'Bicycle space' },
  ],
  [
    'label not in model',
    rectangleLabels('<Label value="Car" predicted_values="car,truck"/><Label value="Airplane" predicted_values="jet"/>'),
    ['car', 'truck'],
    { car: 'Car', truck: 'Car' },
  ],
];

describe('buildLabelMap: test_build_label_map.py', () => {
  it.each(PYTHON_CASES)('%s', (_name, config, modelNames, expected) => {
    expect(buildLabelMap(new LabelInterface(config), 'label', modelNames)).toStrictEqual(expected);
    // The parse_config structure gives the same answer.
    expect(buildLabelMap(parseConfig(config), 'label', modelNames)).toStrictEqual(expected);
  });
});

describe('buildLabelMap: §6.6 rules', () => {
  it('trims predicted_values parts and ignores empty ones', () => {
    const config = rectangleLabels('<Label value="Car" predicted_values=" car ,  truck,,"/>');
    expect(buildLabelMap(new LabelInterface(config), 'label', ['car', 'truck', ''])).toStrictEqual({ car: 'Car', truck: 'Car' });
  });

  it('falls back to a case-insensitive match keyed by the lower-cased config label (Python quirk)', () => {
    const config = rectangleLabels('<Label value="Traffic Light"/><Label value="STOP sign"/>');
    expect(buildLabelMap(new LabelInterface(config), 'label', ['TRAFFIC LIGHT', 'stop SIGN'])).toStrictEqual({
      'traffic light': 'Traffic Light',
      'stop sign': 'STOP sign',
    });
  });

  it('prefers an exact name over the lower-case fallback, and predicted_values over both', () => {
    const config = rectangleLabels('<Label value="Car" predicted_values="auto"/><Label value="Bus"/>');
    expect(buildLabelMap(new LabelInterface(config), 'label', ['auto', 'Car', 'Bus', 'bus'])).toStrictEqual({
      auto: 'Car',
      Bus: 'Bus',
    });
  });

  it('matches predicted_values case-sensitively and maps to the alias-aware label key', () => {
    const xml = readFileSync(new URL('../../test/protocol/label-configs/edge/predicted_values.xml', import.meta.url), 'utf8');
    expect(buildLabelMap(new LabelInterface(xml), 'label', ['plane', 'jet', 'truck', 'Car', 'person'])).toStrictEqual({
      plane: 'Airplane',
      jet: 'Airplane',
      truck: 'car',
      person: 'Person',
    });
  });

  it('throws when the control does not exist', () => {
    expect(() => buildLabelMap(new LabelInterface(rectangleLabels('')), 'nope', ['a'])).toThrow(/Name nope is not found/);
    expect(() => buildLabelMap(parseConfig(rectangleLabels('')), 'nope', ['a'])).toThrow(/Name nope is not found/);
  });
});
