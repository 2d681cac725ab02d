import { describe, expect, it } from 'vitest';
import { LabelInterface } from './label-interface.js';
import { validatePrediction, type ValidationIssue } from './validate-prediction.js';

const li = new LabelInterface(`<View>
  <Text name="text" value="$text"/>
  <HyperText name="html" value="$html"/>
  <Paragraphs name="dialog" value="$dialog"/>
  <Image name="image" value="$image"/>
  <Video name="video" value="$video"/>
  <TimeSeries name="ts" value="$csv" valueType="url"/>
  <List name="items" value="$items"/>
  <Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices>
  <Choices name="tags" toName="text" value="$options"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <HyperTextLabels name="html_ner" toName="html"><Label value="Title"/></HyperTextLabels>
  <ParagraphLabels name="para" toName="dialog"><Label value="Greeting"/></ParagraphLabels>
  <Rectangle name="rect" toName="image"/>
  <RectangleLabels name="box" toName="image"><Label value="Car"/><Label value="Bus"/></RectangleLabels>
  <PolygonLabels name="poly" toName="image"><Label value="Road"/></PolygonLabels>
  <KeyPointLabels name="kp" toName="image"><Label value="Eye"/></KeyPointLabels>
  <EllipseLabels name="ell" toName="image"><Label value="Cell"/></EllipseLabels>
  <BrushLabels name="mask" toName="image"><Label value="Sky"/></BrushLabels>
  <VectorLabels name="vec" toName="image"><Label value="Line"/></VectorLabels>
  <OcrLabels name="ocr" toName="image"><Label value="Word"/></OcrLabels>
  <TextArea name="caption" toName="image"/>
  <Number name="count" toName="image"/>
  <Rating name="stars" toName="text" maxRating="10"/>
  <DateTime name="when" toName="text"/>
  <Taxonomy name="tax" toName="text"><Choice value="Animal"><Choice value="Cat"/></Choice></Taxonomy>
  <Pairwise name="pw" toName="text,html"/>
  <Ranker name="rank" toName="items"/>
  <TimeSeriesLabels name="tsl" toName="ts"><Label value="Run"/></TimeSeriesLabels>
  <VideoRectangle name="track" toName="video"/>
  <TimelineLabels name="timeline" toName="video"><Label value="Jump"/></TimelineLabels>
  <CustomWidget name="custom" toName="text"/>
</View>`);

const region = (fromName: string, toName: string, type: string, value: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  from_name: fromName,
  to_name: toName,
  type,
  value,
  ...extra,
});

const VALID_RESULT = [
  region('sentiment', 'text', 'choices', { choices: ['Positive'] }, { id: 'c1', score: 0.9 }),
  region('tags', 'text', 'choices', { choices: ['anything', 'goes'] }),
  region('ner', 'text', 'labels', { start: 0, end: 5, text: 'Alice', labels: ['PER'] }, { id: 'n1' }),
  region('ner', 'text', 'labels', { start: 10, end: 13, labels: ['ORG'] }, { id: 'n2' }),
  region('html_ner', 'html', 'hypertextlabels', { start: '/p[1]/text()[1]', end: '/p[1]/text()[1]', startOffset: 0, endOffset: 4, hypertextlabels: ['Title'] }),
  region('para', 'dialog', 'paragraphlabels', { start: '0', end: '0', startOffset: 0, endOffset: 5, paragraphlabels: ['Greeting'] }),
  region('rect', 'image', 'rectangle', { x: 0, y: 0, width: 100, height: 100 }),
  region('box', 'image', 'rectanglelabels', { x: 10.5, y: 20, width: 30, height: 40, rotation: 0, rectanglelabels: ['Car'] }, {
    id: 'b1', original_width: 640, original_height: 480, image_rotation: 0, origin: 'prediction', readonly: false,
  }),
  region('poly', 'image', 'polygonlabels', { points: [[0, 0], [50, 50], [100, 0]], closed: true, polygonlabels: ['Road'] }),
  region('kp', 'image', 'keypointlabels', { x: 50, y: 50, width: 1, keypointlabels: ['Eye'] }),
  region('ell', 'image', 'ellipselabels', { x: 50, y: 50, radiusX: 50, radiusY: 10, rotation: 45, ellipselabels: ['Cell'] }),
  region('mask', 'image', 'brushlabels', { format: 'rle', rle: [0, 255, 17], brushlabels: ['Sky'] }),
  region('vec', 'image', 'vectorlabels', { vertices: [{ x: 1, y: 2, id: 'v1', isBezier: false }, { x: 3, y: 4, prevPointId: 'v1' }], closed: false, vectorlabels: ['Line'] }),
  region('ocr', 'image', 'ocrlabels', { x: 1, y: 2, width: 3, height: 4, ocrtext: 'hi', ocrlabels: ['Word'], pageIndex: 0 }),
  region('caption', 'image', 'textarea', { text: ['A red car'] }),
  region('count', 'image', 'number', { number: 3.5 }),
  region('stars', 'text', 'rating', { rating: 10 }),
  region('when', 'text', 'datetime', { datetime: '2024-01-01T10:00' }),
  region('tax', 'text', 'taxonomy', { taxonomy: [['Animal'], ['Animal', 'Cat']] }),
  region('pw', 'text', 'pairwise', { selected: 'left' }),
  region('rank', 'items', 'ranker', { ranker: { rank: ['a', 'b'], discarded: [] } }),
  region('tsl', 'ts', 'timeserieslabels', { start: 1, end: 5, instant: false, timeserieslabels: ['Run'] }),
  region('track', 'video', 'videorectangle', {
    framesCount: 100, duration: 4, labels: null,
    sequence: [{ frame: 1, time: 0.04, x: 1, y: 2, width: 3, height: 4, rotation: 0, enabled: true }],
  }),
  region('timeline', 'video', 'timelinelabels', { ranges: [{ start: 1, end: 10 }], timelinelabels: ['Jump'] }),
  region('custom', 'text', 'customwidget', { anything: [1, 2, 3] }),
  { from_id: 'n1', to_id: 'n2', type: 'relation', direction: 'right', labels: ['works_for'] },
];

function issues(result: unknown[], extra: Record<string, unknown> = {}): ValidationIssue[] {
  return validatePrediction(li, { result, score: 0.5, ...extra }).errors;
}

describe('validatePrediction: valid predictions', () => {
  it('accepts a prediction that uses every supported control type', () => {
    const outcome = validatePrediction(li, { model_version: 'v1', score: 0.87, result: VALID_RESULT });
    expect(outcome.errors).toStrictEqual([]);
    expect(outcome.ok).toBe(true);
  });

  it.each(VALID_RESULT.map((r) => [r.type, r]))('accepts a lone %s region', (_type, item) => {
    const result = item.type === 'relation' ? [VALID_RESULT[2], VALID_RESULT[3], item] : [item];
    expect(validatePrediction(li, { result }).ok).toBe(true);
  });

  it('accepts an empty result, a null or missing score, and the bounds 0 and 1', () => {
    for (const score of [undefined, null, 0, 1]) expect(validatePrediction(li, { result: [], score }).ok).toBe(true);
  });

  it('compares the region type case-insensitively', () => {
    expect(issues([region('sentiment', 'text', 'Choices', { choices: ['Negative'] })])).toStrictEqual([]);
  });

  it('accepts a payload nested under the control name (SDK behaviour)', () => {
    expect(issues([region('rank', 'items', 'ranker', { rank: { ranker: { rank: ['x'] } } })])).toStrictEqual([]);
  });

  it('accepts negative geometry like Label Studio, unless asked not to', () => {
    const item = region('box', 'image', 'rectanglelabels', { x: -1, y: 0, width: 5, height: 5, rectanglelabels: ['Car'] });
    expect(validatePrediction(li, { result: [item] }).ok).toBe(true);
    expect(validatePrediction(li, { result: [item] }, { rejectNegativeCoordinates: true }).errors).toStrictEqual([
      { path: 'result[0].value.x', field: 'x', message: "'x' must be at least 0, got -1" },
    ]);
  });
});

describe('validatePrediction: prediction-level errors', () => {
  it.each([
    ['not an object', 'oops', { path: '', field: 'prediction' }],
    ['missing result', { score: 0.1 }, { path: 'result', field: 'result', message: "Missing required field 'result'" }],
    ['result not a list', { result: { choices: [] } }, { path: 'result', field: 'result' }],
    ['score above 1', { result: [], score: 1.5 }, { path: 'score', field: 'score', message: 'Score must be between 0.00 and 1.00 inclusive, got 1.5' }],
    ['negative score', { result: [], score: -0.1 }, { path: 'score', field: 'score' }],
    ['score not a number', { result: [], score: 'high' }, { path: 'score', field: 'score', message: 'Score must be a valid number, got "high"' }],
    ['region not an object', { result: ['choices'] }, { path: 'result[0]', field: 'result' }],
  ])('%s', (_what, prediction, expected) => {
    const outcome = validatePrediction(li, prediction);
    expect(outcome.ok).toBe(false);
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0]).toMatchObject(expected);
  });
});

describe('validatePrediction: region errors', () => {
  it('reports every missing required field', () => {
    expect(issues([{ id: 'r', from_name: 'sentiment', value: {} }])).toStrictEqual([
      { path: 'result[0].to_name', regionId: 'r', field: 'to_name', message: "Missing required field 'to_name'" },
      { path: 'result[0].type', regionId: 'r', field: 'type', message: "Missing required field 'type'" },
    ]);
  });

  it('reports a from_name that is not a control, and a to_name that is not an object', () => {
    expect(issues([region('text', 'text', 'choices', { choices: [] })])).toMatchObject([
      { path: 'result[0].from_name', field: 'from_name', message: expect.stringContaining("'from_name' \"text\" is not a control tag") },
    ]);
    expect(issues([region('sentiment', 'nowhere', 'choices', { choices: [] })])).toMatchObject([
      { path: 'result[0].to_name', field: 'to_name', message: "'to_name' \"nowhere\" is not an object tag in the label config" },
    ]);
  });

  it("reports a to_name that exists but is not in the control's toName", () => {
    expect(issues([region('sentiment', 'image', 'choices', { choices: ['Positive'] })])).toStrictEqual([
      { path: 'result[0].to_name', field: 'to_name', message: "'to_name' 'image' is not valid for control 'sentiment'. Valid options: text" },
    ]);
  });

  it('reports a type that does not match the control', () => {
    expect(issues([region('sentiment', 'text', 'labels', { choices: ['Positive'] }, { id: 7 })])).toStrictEqual([
      { path: 'result[0].type', regionId: '7', field: 'type', message: "Type 'labels' does not match expected type 'choices' for control 'sentiment'" },
    ]);
  });

  it('reports labels that are not in the config, with the exact item path', () => {
    expect(issues([region('sentiment', 'text', 'choices', { choices: ['Positive', 'Meh'] }, { id: 'c' })])).toStrictEqual([
      {
        path: 'result[0].value.choices[1]',
        regionId: 'c',
        field: 'choices',
        message: '"Meh" is not a label of control \'sentiment\' (allowed: "Positive", "Negative")',
      },
    ]);
    expect(issues([region('tax', 'text', 'taxonomy', { taxonomy: [['Animal', 'Dog']] })])).toMatchObject([
      { path: 'result[0].value.taxonomy[0][1]', field: 'taxonomy' },
    ]);
  });

  it.each<[string, Record<string, unknown>, Partial<ValidationIssue>]>([
    ['value not an object', region('sentiment', 'text', 'choices', ['Positive'] as unknown as Record<string, unknown>), { path: 'result[0].value', field: 'value' }],
    ['labels key missing', region('sentiment', 'text', 'choices', { labels: ['Positive'] }), { path: 'result[0].value.choices', field: 'choices', message: "'choices' is required" }],
    ['labels not a list', region('sentiment', 'text', 'choices', { choices: 'Positive' }), { path: 'result[0].value.choices', field: 'choices' }],
    ['span without start', region('ner', 'text', 'labels', { end: 3, labels: ['PER'] }), { path: 'result[0].value.start', field: 'start' }],
    ['span offset of the wrong type', region('ner', 'text', 'labels', { start: 0, end: true, labels: ['PER'] }), { path: 'result[0].value.end', field: 'end' }],
    ['rectangle past 100%', region('box', 'image', 'rectanglelabels', { x: 10, y: 10, width: 101, height: 5, rectanglelabels: ['Car'] }), { path: 'result[0].value.width', field: 'width', message: "'width' must be at most 100, got 101" }],
    ['rectangle coordinate missing', region('rect', 'image', 'rectangle', { x: 1, y: 1, width: 1 }), { path: 'result[0].value.height', field: 'height' }],
    ['rotation past 360', region('rect', 'image', 'rectangle', { x: 1, y: 1, width: 1, height: 1, rotation: 400 }), { path: 'result[0].value.rotation', field: 'rotation' }],
    ['coordinate as a string', region('rect', 'image', 'rectangle', { x: '1', y: 1, width: 1, height: 1 }), { path: 'result[0].value.x', field: 'x', message: "'x' must be a number, got \"1\"" }],
    ['ellipse radius past 50', region('ell', 'image', 'ellipselabels', { x: 1, y: 1, radiusX: 51, radiusY: 1, ellipselabels: ['Cell'] }), { path: 'result[0].value.radiusX', field: 'radiusX', message: "'radiusX' must be at most 50, got 51" }],
    ['polygon point not a pair', region('poly', 'image', 'polygonlabels', { points: [[1, 2], [3]], polygonlabels: ['Road'] }), { path: 'result[0].value.points[1]', field: 'points' }],
    ['polygon point past 100%', region('poly', 'image', 'polygonlabels', { points: [[1, 200]], polygonlabels: ['Road'] }), { path: 'result[0].value.points[0].y', field: 'y' }],
    ['keypoint past 100%', region('kp', 'image', 'keypointlabels', { x: 100.5, y: 1, keypointlabels: ['Eye'] }), { path: 'result[0].value.x', field: 'x' }],
    ['brush byte out of range', region('mask', 'image', 'brushlabels', { format: 'rle', rle: [1, 256], brushlabels: ['Sky'] }), { path: 'result[0].value.rle[1]', field: 'rle' }],
    ['empty brush', region('mask', 'image', 'brushlabels', { rle: [], brushlabels: ['Sky'] }), { path: 'result[0].value.rle', field: 'rle' }],
    ['textarea as a plain string', region('caption', 'image', 'textarea', { text: 'A red car' }), { path: 'result[0].value.text', field: 'text' }],
    ['number as a string', region('count', 'image', 'number', { number: '3' }), { path: 'result[0].value.number', field: 'number' }],
    ['rating not an integer', region('stars', 'text', 'rating', { rating: 2.5 }), { path: 'result[0].value.rating', field: 'rating', message: "'rating' must be an integer, got 2.5" }],
    ['rating above maxRating', region('stars', 'text', 'rating', { rating: 11 }), { path: 'result[0].value.rating', field: 'rating', message: "'rating' must be at most 10, got 11" }],
    ['negative rating', region('stars', 'text', 'rating', { rating: -1 }), { path: 'result[0].value.rating', field: 'rating' }],
    ['datetime not a string', region('when', 'text', 'datetime', { datetime: 1700000000 }), { path: 'result[0].value.datetime', field: 'datetime' }],
    ['taxonomy item not a path', region('tax', 'text', 'taxonomy', { taxonomy: ['Animal'] }), { path: 'result[0].value.taxonomy[0]', field: 'taxonomy' }],
    ['pairwise without selected', region('pw', 'text', 'pairwise', {}), { path: 'result[0].value.selected', field: 'selected' }],
    ['ranker list with a number', region('rank', 'items', 'ranker', { ranker: { rank: ['a', 2] } }), { path: 'result[0].value.ranker.rank[1]', field: 'rank' }],
    ['time series without instant', region('tsl', 'ts', 'timeserieslabels', { start: 1, end: 2, timeserieslabels: ['Run'] }), { path: 'result[0].value.instant', field: 'instant' }],
    ['negative paragraph offset', region('para', 'dialog', 'paragraphlabels', { start: '0', end: '0', startOffset: -1, paragraphlabels: ['Greeting'] }), { path: 'result[0].value.startOffset', field: 'startOffset' }],
    ['video frame past 100%', region('track', 'video', 'videorectangle', { framesCount: 1, duration: 1, labels: null, sequence: [{ frame: 1, time: 0, x: 0, y: 0, width: 120, height: 1 }] }), { path: 'result[0].value.sequence[0].width', field: 'width' }],
    ['video rectangle without labels key (SDK requires it)', region('track', 'video', 'videorectangle', { framesCount: 1, duration: 1, sequence: [] }), { path: 'result[0].value.labels', field: 'labels' }],
    ['vector vertex without y', region('vec', 'image', 'vectorlabels', { vertices: [{ x: 1 }], vectorlabels: ['Line'] }), { path: 'result[0].value.vertices[0].y', field: 'y' }],
    ['timeline range without end', region('timeline', 'video', 'timelinelabels', { ranges: [{ start: 1 }], timelinelabels: ['Jump'] }), { path: 'result[0].value.ranges[0].end', field: 'end' }],
    ['timeline label not in config', region('timeline', 'video', 'timelinelabels', { ranges: [], timelinelabels: ['Fly'] }), { path: 'result[0].value.timelinelabels[0]', field: 'timelinelabels' }],
  ])('%s', (_what, item, expected) => {
    const found = issues([item]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject(expected);
  });
});

describe('validatePrediction: relations', () => {
  const a = region('ner', 'text', 'labels', { start: 0, end: 1, labels: ['PER'] }, { id: 'a' });
  const b = region('ner', 'text', 'labels', { start: 2, end: 3, labels: ['ORG'] }, { id: 'b' });
  const bad = region('ner', 'text', 'labels', { start: 4, end: 5, labels: ['NOPE'] }, { id: 'bad' });

  it('requires type, direction, from_id and to_id', () => {
    expect(issues([a, b, { type: 'relation', from_id: 'a', to_id: 'b' }])).toStrictEqual([
      { path: 'result[2].direction', field: 'direction', message: "Relation: missing required field 'direction'" },
    ]);
  });

  it('checks the direction', () => {
    expect(issues([a, b, { type: 'relation', from_id: 'a', to_id: 'b', direction: 'up' }])).toMatchObject([
      { path: 'result[2].direction', field: 'direction' },
    ]);
  });

  it('requires both ends to be valid regions of this prediction', () => {
    expect(issues([a, bad, { type: 'relation', from_id: 'a', to_id: 'zzz', direction: 'bi', id: 'rel' }]).map((e) => [e.path, e.regionId])).toStrictEqual([
      ['result[1].value.labels[0]', 'bad'],
      ['result[2].to_id', 'rel'],
    ]);
    expect(issues([a, bad, { type: 'relation', from_id: 'bad', to_id: 'a', direction: 'left' }]).map((e) => e.path)).toStrictEqual([
      'result[1].value.labels[0]',
      'result[2].from_id',
    ]);
  });
});

describe('validatePrediction: Labels combined with a geometry tool', () => {
  const combo = new LabelInterface(`<View>
    <Image name="img" value="$image"/>
    <Labels name="lbl" toName="img"><Label value="Car"/></Labels>
    <Rectangle name="rect" toName="img"/>
  </View>`);

  it('accepts a merged region whose type is the labelled geometry (rectanglelabels from <Labels>)', () => {
    const merged = region('lbl', 'img', 'rectanglelabels', { x: 1, y: 1, width: 5, height: 5, rectanglelabels: ['Car'] });
    expect(validatePrediction(combo, { result: [merged] }).errors).toStrictEqual([]);
    const fallbackKey = region('lbl', 'img', 'rectanglelabels', { x: 1, y: 1, width: 5, height: 5, labels: ['Car'] });
    expect(validatePrediction(combo, { result: [fallbackKey] }).ok).toBe(true);
  });

  it('still checks the labels and the geometry of a merged region', () => {
    const noLabels = region('lbl', 'img', 'rectanglelabels', { x: 1, y: 1, width: 5, height: 5, rectanglelabels: [] });
    expect(validatePrediction(combo, { result: [noLabels] }).errors).toMatchObject([{ path: 'result[0].value.rectanglelabels', message: "'rectanglelabels' must not be empty" }]);
    const wide = region('lbl', 'img', 'rectanglelabels', { x: 1, y: 1, width: 500, height: 5, rectanglelabels: ['Car'] });
    expect(validatePrediction(combo, { result: [wide] }).errors).toMatchObject([{ path: 'result[0].value.width' }]);
    const noSibling = region('lbl', 'img', 'polygonlabels', { points: [], polygonlabels: ['Car'] });
    // No Polygon control on the same image: the type is wrong, and the value is checked as a text span.
    expect(validatePrediction(combo, { result: [noSibling] }).errors.map((e) => e.path)).toStrictEqual([
      'result[0].type',
      'result[0].value.start',
      'result[0].value.end',
      'result[0].value.labels',
    ]);
  });

  it('accepts the split format: a geometry region and a labels region sharing one id', () => {
    const geometry = region('rect', 'img', 'rectangle', { x: 1, y: 1, width: 5, height: 5 }, { id: 'r1' });
    const labels = region('lbl', 'img', 'labels', { x: 1, y: 1, width: 5, height: 5, labels: ['Car'] }, { id: 'r1' });
    expect(validatePrediction(combo, { result: [geometry, labels] }).errors).toStrictEqual([]);
    // Without the partner the labels region needs a text span.
    expect(validatePrediction(combo, { result: [labels] }).errors.map((e) => e.field)).toStrictEqual(['start', 'end']);
  });
});
