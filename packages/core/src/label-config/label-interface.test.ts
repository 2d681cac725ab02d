import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getFirstTagKeys, getSingleTagKeys, LabelInterface } from './label-interface.js';
import { LabelConfigError, parseConfig } from './parse-config.js';
import {
  brushLabelsRegion,
  choicesRegion,
  ellipseLabelsRegion,
  keyPointLabelsRegion,
  labelsRegion,
  numberRegion,
  polygonLabelsRegion,
  ratingRegion,
  rectangleLabelsRegion,
  rectangleRegion,
  taxonomyRegion,
  textareaRegion,
  timeSeriesLabelsRegion,
} from './region-builders.js';

const CONFIG = `<View>
  <Header value="Review"/>
  <Text name="review" value="$text"/>
  <Image name="photo" value="$image_url" valueType="url"/>
  <Labels name="ner" toName="review">
    <Label value="Person" alias="PER"/>
    <Label value="Organization"/>
  </Labels>
  <Choices name="sentiment" toName="review,photo" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
  <RectangleLabels name="boxes" toName="photo"><Label value="Car"/><Label value="Person"/></RectangleLabels>
  <TextArea name="summary" toName="review"/>
  <Rating name="stars" toName="review" maxRating="10"/>
  <Choices name="dynamic" toName="review" value="$options"/>
</View>`;

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error('expected a throw');
}

describe('LabelInterface: structure', () => {
  const li = new LabelInterface(CONFIG);

  it('keeps the exact parse_config structure', () => {
    expect(li.parsed).toStrictEqual(parseConfig(CONFIG));
    expect(li.config).toBe(CONFIG);
  });

  it('lists controls and objects in document order', () => {
    expect(li.controls.map((c) => [c.name, c.type, c.regionType])).toStrictEqual([
      ['ner', 'Labels', 'labels'],
      ['sentiment', 'Choices', 'choices'],
      ['boxes', 'RectangleLabels', 'rectanglelabels'],
      ['summary', 'TextArea', 'textarea'],
      ['stars', 'Rating', 'rating'],
      ['dynamic', 'Choices', 'choices'],
    ]);
    expect(li.objects.map((o) => [o.name, o.type, o.value, o.valueName, o.valueType])).toStrictEqual([
      ['review', 'Text', '$text', 'text', null],
      ['photo', 'Image', '$image_url', 'image_url', 'url'],
    ]);
  });

  it('exposes labels per control, alias-aware', () => {
    expect(li.labels).toStrictEqual({
      ner: ['PER', 'Organization'],
      sentiment: ['Positive', 'Negative'],
      boxes: ['Car', 'Person'],
      summary: [],
      stars: [],
      dynamic: [],
    });
    expect(li.getControl('ner').labelsAttrs.PER).toStrictEqual({ value: 'Person', alias: 'PER' });
  });

  it('links each control to its objects in toName order', () => {
    const sentiment = li.getControl('sentiment');
    expect(sentiment.toName).toStrictEqual(['review', 'photo']);
    expect(sentiment.objects.map((o) => o.name)).toStrictEqual(['review', 'photo']);
    expect(sentiment.getObject('photo').type).toBe('Image');
    expect(() => sentiment.getObject()).toThrow('Multiple object tags connected, you should specify name');
    expect(li.getControl('ner').getObject().name).toBe('review');
  });

  it('marks dynamic labels and keeps control attributes', () => {
    expect(li.getControl('dynamic').dynamicLabels).toBe(true);
    expect(li.getControl('sentiment').dynamicLabels).toBe(false);
    expect(li.getControl('stars').attrs.maxRating).toBe('10');
  });

  it('getControl / getObject / getTag follow the SDK (throw on unknown names)', () => {
    expect(li.getTag('review').kind).toBe('object');
    expect(li.getTag('ner').kind).toBe('control');
    expect(errorOf(() => li.getControl('missing')).message).toBe(
      "Name missing is not found, available names: dict_keys(['ner', 'sentiment', 'boxes', 'summary', 'stars', 'dynamic'])",
    );
    expect(() => li.getObject('ner')).toThrow('Name ner is not found');
    expect(() => li.getTag('nothing')).toThrow('Tag with name nothing not found');
    expect(li.findControl('missing')).toBeUndefined();
    expect(() => li.getControl()).toThrow('Multiple object tags connected');
    expect(new LabelInterface('<View><Text name="t" value="$t"/><Choices name="c" toName="t"/></View>').getControl().name).toBe('c');
  });

  it('rejects empty and malformed configs like Python', () => {
    const empty = errorOf(() => new LabelInterface(''));
    expect(empty).toBeInstanceOf(LabelConfigError);
    expect((empty as LabelConfigError).kind).toBe('syntax');
    expect(empty.message).toMatch(/^Document is empty/);
    expect((errorOf(() => new LabelInterface('<View>')) as LabelConfigError).kind).toBe('syntax');
  });

  it('completes Chat self-referencing tags with a ChatMessage control (SDK behaviour)', () => {
    const xml = readFileSync(new URL('../../test/protocol/label-configs/templates/chat__chatbot.xml', import.meta.url), 'utf8');
    const chatLi = new LabelInterface(xml);
    const chatObjects = chatLi.objects.filter((o) => o.type === 'Chat');
    expect(chatObjects.length).toBeGreaterThan(0);
    for (const chat of chatObjects) {
      const control = chatLi.getControl(chat.name);
      expect(control.type).toBe('ChatMessage');
      expect(control.toName).toStrictEqual([chat.name]);
      expect(control.objects).toStrictEqual([chat]);
      expect(chatLi.parsed[chat.name]).toBeUndefined(); // parse_config itself does not add it
    }
  });
});

describe('LabelInterface.getFirstTagOccurrence', () => {
  const li = new LabelInterface(`<View>
    <Audio name="Audio" value="$audio"/>
    <Text name="Body" value="$body"/>
    <Text name="Title" value="$$title"/>
    <Choices name="AudioClass" toName="Audio"><Choice value="a"/></Choices>
    <Choices name="Topic" toName="Body,Title"><Choice value="b"/></Choices>
    <Labels name="NER" toName="Title"><Label value="X"/></Labels>
  </View>`);

  it('scans controls in document order, then objects in toName order; types are case-insensitive', () => {
    expect(li.getFirstTagOccurrence('choices', 'TEXT')).toStrictEqual(['Topic', 'Body', 'body']);
    expect(li.getFirstTagOccurrence('Choices', ['Audio', 'Text'])).toStrictEqual(['AudioClass', 'Audio', 'audio']);
    expect(li.getFirstTagOccurrence(['Labels', 'Choices'], 'Text')).toStrictEqual(['Topic', 'Body', 'body']);
  });

  it('returns the value without one leading $', () => {
    expect(li.getFirstTagOccurrence('Labels', 'Text')).toStrictEqual(['NER', 'Title', '$title']);
  });

  it('passes lower-cased names to the filters', () => {
    const seen: string[] = [];
    const found = li.getFirstTagOccurrence('Choices', 'Text', {
      nameFilter: (n) => {
        seen.push(`control:${n}`);
        return n === 'topic';
      },
      toNameFilter: (n) => {
        seen.push(`object:${n}`);
        return n === 'title';
      },
    });
    expect(found).toStrictEqual(['Topic', 'Title', '$title']);
    expect(seen).toStrictEqual(['control:audioclass', 'control:topic', 'object:body', 'object:title']);
  });

  it('formats the error like Python for a str and for tuples', () => {
    const message = (c: string | string[], o: string | string[]) =>
      errorOf(() => li.getFirstTagOccurrence(c, o)).message;
    expect(message('RectangleLabels', 'Image')).toBe(
      'No control tag of type RectangleLabels and object tag of type Image found in label config',
    );
    expect(message(['RectangleLabels', 'PolygonLabels'], ['Image'])).toBe(
      "No control tag of type ('RectangleLabels', 'PolygonLabels') and object tag of type ('Image',) found in label config",
    );
    const err = errorOf(() => li.getFirstTagOccurrence('Choices', 'Video')) as LabelConfigError;
    expect(err).toBeInstanceOf(LabelConfigError);
    expect(`${err.name}: ${err.message}`).toBe(
      'ValueError: No control tag of type Choices and object tag of type Video found in label config',
    );
  });
});

describe('ControlTag.label (Python control.label)', () => {
  const li = new LabelInterface(CONFIG);

  it('builds a region with id, from_name, to_name, type and region extras', () => {
    const region = li.getControl('sentiment').label(['Positive'], { score: 0.75 });
    expect(region).toStrictEqual({
      id: expect.any(String),
      from_name: 'sentiment',
      to_name: 'review',
      type: 'choices',
      value: { choices: ['Positive'] },
      score: 0.75,
    });
    expect(Object.keys(region).slice(0, 5)).toStrictEqual(['id', 'from_name', 'to_name', 'type', 'value']);
  });

  it('merges value fields and honours toName', () => {
    const span = li.getControl('ner').label('PER', { value: { start: 0, end: 5, text: 'Alice' }, id: 'r1' });
    expect(span).toStrictEqual({ id: 'r1', from_name: 'ner', to_name: 'review', type: 'labels', value: { start: 0, end: 5, text: 'Alice', labels: ['PER'] } });
    expect(li.getControl('sentiment').label('Negative', { toName: 'photo' }).to_name).toBe('photo');
    expect(() => li.getControl('sentiment').label('Negative', { toName: 'nope' })).toThrow("To name 'nope' is not found");
  });

  it('throws on labels that are not in the config, unless labels are dynamic', () => {
    expect(errorOf(() => li.getControl('sentiment').label(['Positive', 'Meh'])).message).toBe(
      "Using labels not defined in labeling config for control 'sentiment': 'Meh'; possible values: {'Positive', 'Negative'}",
    );
    expect(() => li.getControl('ner').label('Person')).toThrow(/not defined/); // the key is the alias
    expect(li.getControl('dynamic').label('anything').value).toStrictEqual({ choices: ['anything'] });
  });

  it('treats TextArea labels as texts and refuses scalar controls', () => {
    expect(li.getControl('summary').label(['free text']).value).toStrictEqual({ text: ['free text'] });
    expect(() => li.getControl('stars').label('3')).toThrow(/does not take labels/);
    expect(li.getControl('stars').region({ rating: 3 }).value).toStrictEqual({ rating: 3 });
  });
});

describe('typed region builders', () => {
  const li = new LabelInterface(`<View>
    <Text name="txt" value="$text"/><Image name="img" value="$image"/><TimeSeries name="ts" value="$csv"/>
    <Choices name="cls" toName="txt"><Choice value="A"/><Choice value="B"/></Choices>
    <Labels name="ner" toName="txt"><Label value="PER"/></Labels>
    <Rectangle name="rect" toName="img"/>
    <RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels>
    <PolygonLabels name="poly" toName="img"><Label value="Road"/></PolygonLabels>
    <KeyPointLabels name="kp" toName="img"><Label value="Eye"/></KeyPointLabels>
    <EllipseLabels name="ell" toName="img"><Label value="Cell"/></EllipseLabels>
    <BrushLabels name="brush" toName="img"><Label value="Sky"/></BrushLabels>
    <TimeSeriesLabels name="tsl" toName="ts"><Label value="Run"/></TimeSeriesLabels>
    <Taxonomy name="tax" toName="txt"><Choice value="Animal"><Choice value="Cat"/></Choice></Taxonomy>
    <TextArea name="notes" toName="txt"/>
    <Rating name="stars" toName="txt"/>
    <Number name="count" toName="txt"/>
  </View>`);
  const c = (name: string) => li.getControl(name);

  it('fill from_name, to_name and type per control type', () => {
    expect(choicesRegion(c('cls'), 'A', { id: 'x' })).toStrictEqual({ id: 'x', from_name: 'cls', to_name: 'txt', type: 'choices', value: { choices: ['A'] } });
    expect(labelsRegion(c('ner'), { start: 0, end: 3, text: 'Bob', labels: 'PER' }).value).toStrictEqual({ start: 0, end: 3, text: 'Bob', labels: ['PER'] });
    expect(rectangleRegion(c('rect'), { x: 1, y: 2, width: 3, height: 4 }).type).toBe('rectangle');
    const box = rectangleLabelsRegion(c('box'), { x: 1, y: 2, width: 3, height: 4, rotation: 0, labels: ['Car'] }, { score: 0.9, original_width: 640 });
    expect(box).toMatchObject({ type: 'rectanglelabels', to_name: 'img', score: 0.9, original_width: 640, value: { x: 1, y: 2, width: 3, height: 4, rotation: 0, rectanglelabels: ['Car'] } });
    expect(polygonLabelsRegion(c('poly'), { points: [[1, 2], [3, 4], [5, 6]], labels: 'Road' }).value.polygonlabels).toStrictEqual(['Road']);
    expect(keyPointLabelsRegion(c('kp'), { x: 5, y: 6, labels: 'Eye' }).value).toStrictEqual({ x: 5, y: 6, keypointlabels: ['Eye'] });
    expect(ellipseLabelsRegion(c('ell'), { x: 5, y: 6, radiusX: 1, radiusY: 2, labels: 'Cell' }).type).toBe('ellipselabels');
    expect(brushLabelsRegion(c('brush'), { rle: [0, 1, 2], labels: 'Sky' }).value).toStrictEqual({ format: 'rle', rle: [0, 1, 2], brushlabels: ['Sky'] });
    expect(timeSeriesLabelsRegion(c('tsl'), { start: 5, end: 5, labels: 'Run' }).value).toStrictEqual({ start: 5, end: 5, instant: true, timeserieslabels: ['Run'] });
    expect(taxonomyRegion(c('tax'), [['Animal', 'Cat']]).value).toStrictEqual({ taxonomy: [['Animal', 'Cat']] });
    expect(textareaRegion(c('notes'), 'hello').value).toStrictEqual({ text: ['hello'] });
    expect(ratingRegion(c('stars'), 4).value).toStrictEqual({ rating: 4 });
    expect(numberRegion(c('count'), 2.5).value).toStrictEqual({ number: 2.5 });
  });

  it('keep id/from_name/to_name/type/value first and never let extras override them', () => {
    const region = choicesRegion(c('cls'), 'B', { score: 0.1, type: 'labels', value: { choices: ['Z'] }, from_name: 'x', origin: 'prediction' });
    expect(region).toStrictEqual({ id: expect.any(String), from_name: 'cls', to_name: 'txt', type: 'choices', value: { choices: ['B'] }, score: 0.1, origin: 'prediction' });
    expect(Object.keys(region)).toStrictEqual(['id', 'from_name', 'to_name', 'type', 'value', 'score', 'origin']);
  });

  it('refuse unknown labels, wrong control types and out-of-range scalars', () => {
    expect(() => choicesRegion(c('cls'), ['A', 'Z'])).toThrow(/'Z'/);
    expect(() => rectangleLabelsRegion(c('box'), { x: 1, y: 1, width: 1, height: 1, labels: 'Bus' })).toThrow(/'Bus'/);
    expect(() => taxonomyRegion(c('tax'), [['Animal', 'Dog']])).toThrow(/'Dog'/);
    expect(() => choicesRegion(c('ner'), 'PER')).toThrow("choicesRegion needs a choices control; 'ner' is Labels");
    expect(() => ratingRegion(c('stars'), 6)).toThrow('from 0 to 5');
    expect(() => ratingRegion(c('stars'), 2.5)).toThrow('integer');
    expect(() => numberRegion(c('count'), Number.NaN)).toThrow('finite');
  });
});

describe('getSingleTagKeys / getFirstTagKeys (label_studio_ml.utils)', () => {
  const single = parseConfig('<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="A"/></Choices></View>');

  it('getSingleTagKeys returns from_name, to_name, value and labels for a one-control config', () => {
    expect(getSingleTagKeys(single, 'Choices', 'Text')).toStrictEqual(['c', 't', 'text', ['A']]);
    expect(() => getSingleTagKeys(single, 'Labels', 'Text')).toThrow(
      'Label config has control tag "<Choices>" but "<Labels>" is expected for this model.',
    );
    expect(() => getSingleTagKeys(parseConfig(CONFIG), 'Choices', 'Text')).toThrow(/At least one control tag/);
  });

  it('getFirstTagKeys finds the first control/input pair by exact type or gives [null, null]', () => {
    const parsed = parseConfig(CONFIG);
    const [name, info] = getFirstTagKeys(parsed, 'Choices', 'Image');
    expect(name).toBe('sentiment');
    expect(info?.to_name).toStrictEqual(['review', 'photo']);
    expect(getFirstTagKeys(parsed, 'choices', 'Image')).toStrictEqual([null, null]);
  });
});
