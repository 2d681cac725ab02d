/**
 * Typed region builders: they fill `id`, `from_name`, `to_name` and `type` from a control and refuse
 * labels that the config does not define (unless the control has dynamic labels).
 *
 *   const sentiment = labelInterface.getControl('sentiment');
 *   choicesRegion(sentiment, 'Positive', { score: 0.9 });
 */
import { randomUUID } from 'node:crypto';
import type { ControlTag } from './label-interface.js';
import { setOwn } from './util.js';
import type {
  BrushLabelsRegion,
  ChoicesRegion,
  EllipseLabelsRegion,
  EllipseValue,
  KeyPointLabelsRegion,
  KeyPointValue,
  LabelsRegion,
  NumberRegion,
  PolygonLabelsRegion,
  PolygonValue,
  RatingRegion,
  RectangleLabelsRegion,
  RectangleRegion,
  RectangleValue,
  RegionCommon,
  RegionMeta,
  SpanOffset,
  TaxonomyRegion,
  TextAreaRegion,
  TimeSeriesLabelsRegion,
} from './regions.js';

/** Region-level extras (`score`, `id`, `origin`, `original_width`, ...) plus which object to point at. */
export interface RegionOptions extends RegionMeta {
  /** One of the control's `toName` entries; defaults to the first (Python `_resolve_to_name`). */
  toName?: string;
  [key: string]: unknown;
}

type Labels = string | readonly string[];

function resolveToName(control: ControlTag, toName: string | undefined): string {
  if (toName) {
    if (!control.toName.includes(toName)) {
      throw new Error(`To name '${toName}' is not found in control tag '${control.name}'`);
    }
    return toName;
  }
  return control.toName[0] ?? '';
}

/**
 * Shared by the builders and `ControlTag.label()`. Key order is Python's `Region._dict()` (id,
 * from_name, to_name, type, value), then the extras; an extra cannot override those five keys.
 */
export function makeRegion<T extends string, V>(
  control: ControlTag,
  type: T,
  value: V,
  options: RegionOptions = {},
): RegionCommon & { type: T; value: V } {
  const { toName, id, ...extra } = options;
  const region: RegionCommon & { type: T; value: V } = {
    id: id ?? randomUUID(),
    from_name: control.name,
    to_name: resolveToName(control, toName),
    type,
    value,
  };
  for (const [key, v] of Object.entries(extra)) {
    if (v !== undefined && !Object.hasOwn(region, key)) setOwn(region, key, v);
  }
  return region;
}

function expectType(control: ControlTag, builder: string, ...types: string[]): void {
  if (!types.includes(control.regionType)) {
    throw new Error(`${builder} needs a ${types.join(' or ')} control; '${control.name}' is ${control.type}`);
  }
}

function checkedLabels(control: ControlTag, labels: Labels): string[] {
  const list = typeof labels === 'string' ? [labels] : [...labels];
  control.assertLabels(list);
  return list;
}

/** A `choices` result item for a `<Choices>` control (each choice must be one of its values). */
export function choicesRegion(control: ControlTag, choices: Labels, options?: RegionOptions): ChoicesRegion {
  expectType(control, 'choicesRegion', 'choices');
  return makeRegion(control, 'choices', { choices: checkedLabels(control, choices) }, options);
}

/** A text span for a `<Labels>` control: offsets into the text, the covered text and its labels. */
export function labelsRegion(
  control: ControlTag,
  span: { start: SpanOffset; end: SpanOffset; text?: string; labels: Labels },
  options?: RegionOptions,
): LabelsRegion {
  expectType(control, 'labelsRegion', 'labels');
  const { labels, ...rest } = span;
  return makeRegion(control, 'labels', { ...rest, labels: checkedLabels(control, labels) }, options);
}

/** A box in percent of the image size for a `<Rectangle>` control (no labels). */
export function rectangleRegion(control: ControlTag, box: RectangleValue, options?: RegionOptions): RectangleRegion {
  expectType(control, 'rectangleRegion', 'rectangle');
  return makeRegion(control, 'rectangle', { ...box }, options);
}

/** A box in percent of the image size, with labels for a `<RectangleLabels>` control. */
export function rectangleLabelsRegion(
  control: ControlTag,
  box: RectangleValue & { labels: Labels },
  options?: RegionOptions,
): RectangleLabelsRegion {
  expectType(control, 'rectangleLabelsRegion', 'rectanglelabels');
  const { labels, ...geometry } = box;
  return makeRegion(
    control,
    'rectanglelabels',
    { ...geometry, rectanglelabels: checkedLabels(control, labels) },
    options,
  );
}

/** A polygon (points in percent of the image size), with labels, for a `<PolygonLabels>` control. */
export function polygonLabelsRegion(
  control: ControlTag,
  polygon: PolygonValue & { labels: Labels },
  options?: RegionOptions,
): PolygonLabelsRegion {
  expectType(control, 'polygonLabelsRegion', 'polygonlabels');
  const { labels, ...geometry } = polygon;
  return makeRegion(control, 'polygonlabels', { ...geometry, polygonlabels: checkedLabels(control, labels) }, options);
}

/** A key point in percent of the image size, with labels, for a `<KeyPointLabels>` control. */
export function keyPointLabelsRegion(
  control: ControlTag,
  point: KeyPointValue & { labels: Labels },
  options?: RegionOptions,
): KeyPointLabelsRegion {
  expectType(control, 'keyPointLabelsRegion', 'keypointlabels');
  const { labels, ...geometry } = point;
  return makeRegion(control, 'keypointlabels', { ...geometry, keypointlabels: checkedLabels(control, labels) }, options);
}

/** An ellipse in percent of the image size, with labels, for an `<EllipseLabels>` control. */
export function ellipseLabelsRegion(
  control: ControlTag,
  ellipse: EllipseValue & { labels: Labels },
  options?: RegionOptions,
): EllipseLabelsRegion {
  expectType(control, 'ellipseLabelsRegion', 'ellipselabels');
  const { labels, ...geometry } = ellipse;
  return makeRegion(control, 'ellipselabels', { ...geometry, ellipselabels: checkedLabels(control, labels) }, options);
}

/** A brush mask in Label Studio's RLE format (see the SDK's `brush.encode_rle`). */
export function brushLabelsRegion(
  control: ControlTag,
  mask: { rle: number[]; labels: Labels },
  options?: RegionOptions,
): BrushLabelsRegion {
  expectType(control, 'brushLabelsRegion', 'brushlabels');
  return makeRegion(
    control,
    'brushlabels',
    { format: 'rle', rle: [...mask.rle], brushlabels: checkedLabels(control, mask.labels) },
    options,
  );
}

/** A labelled time range (or instant) for a `<TimeSeriesLabels>` control. */
export function timeSeriesLabelsRegion(
  control: ControlTag,
  span: { start: SpanOffset; end: SpanOffset; instant?: boolean; labels: Labels },
  options?: RegionOptions,
): TimeSeriesLabelsRegion {
  expectType(control, 'timeSeriesLabelsRegion', 'timeserieslabels');
  const { start, end, instant = start === end, labels } = span;
  return makeRegion(
    control,
    'timeserieslabels',
    { start, end, instant, timeserieslabels: checkedLabels(control, labels) },
    options,
  );
}

/** Each path goes from the taxonomy root to the selected node; every node must be a config label. */
export function taxonomyRegion(control: ControlTag, paths: readonly (readonly string[])[], options?: RegionOptions): TaxonomyRegion {
  expectType(control, 'taxonomyRegion', 'taxonomy');
  return makeRegion(control, 'taxonomy', { taxonomy: paths.map((p) => checkedLabels(control, p)) }, options);
}

/** A `textarea` result item (one or several texts) for a `<TextArea>` control. */
export function textareaRegion(control: ControlTag, text: string | readonly string[], options?: RegionOptions): TextAreaRegion {
  expectType(control, 'textareaRegion', 'textarea');
  return makeRegion(control, 'textarea', { text: typeof text === 'string' ? [text] : [...text] }, options);
}

/** An integer from 0 to the control's `maxRating` (default 5). */
export function ratingRegion(control: ControlTag, rating: number, options?: RegionOptions): RatingRegion {
  expectType(control, 'ratingRegion', 'rating');
  const max = Number(control.attrs.maxRating ?? 5);
  if (!Number.isInteger(rating) || rating < 0 || rating > max) {
    throw new Error(`Rating for '${control.name}' must be an integer from 0 to ${max}, got ${rating}`);
  }
  return makeRegion(control, 'rating', { rating }, options);
}

/** A `number` result item for a `<Number>` control (the value must be finite). */
export function numberRegion(control: ControlTag, value: number, options?: RegionOptions): NumberRegion {
  expectType(control, 'numberRegion', 'number');
  if (!Number.isFinite(value)) throw new Error(`Number for '${control.name}' must be finite, got ${value}`);
  return makeRegion(control, 'number', { number: value }, options);
}
