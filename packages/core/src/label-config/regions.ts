/**
 * Result items of predictions and annotations (PROTOCOL.md §7.5): one region per control, with a
 * `value` whose shape depends on `type` (the control tag in lower case).
 *
 * `KnownRegion` is a discriminated union on `type`; `Region` adds `GenericRegion` so that any control
 * type (custom, newer front-end tags, or a `type` only known as `string`) still fits. Narrow a `Region`
 * with `isRegionOfType(region, 'choices')`.
 */

/** Optional keys a region commonly carries besides `from_name`/`to_name`/`type`/`value`. */
export interface RegionMeta {
  /** Region id; relations refer to it. Label Studio generates one when missing. */
  id?: string;
  score?: number | null;
  /** `prediction`, `manual`, `prediction-changed`, ... */
  origin?: string;
  readonly?: boolean;
  hidden?: boolean;
  /** Parent region id (per-region controls such as a TextArea attached to a span). */
  parentID?: string;
  /** Image regions: natural image size in pixels and rotation in degrees. */
  original_width?: number;
  original_height?: number;
  image_rotation?: number;
}

/** What every region has; any other key is allowed too. */
export interface RegionCommon extends RegionMeta {
  from_name: string;
  to_name: string;
  [key: string]: unknown;
}

interface RegionOf<T extends string, V> extends RegionCommon {
  type: T;
  value: V;
}

/** Text span offsets: numbers for Text, XPath strings for HyperText/Paragraphs. */
export type SpanOffset = number | string;

/** The `value` of a `<Choices>` region. */
export interface ChoicesValue {
  choices: string[];
}

/** The `value` of a `<Labels>` region. */
export interface LabelsValue {
  start: SpanOffset;
  end: SpanOffset;
  labels: string[];
  text?: string;
}

/** Percentages of the image size (0..100); rotation in degrees. */
export interface RectangleValue {
  x: number;
  y: number;
  width: number;
  height: number;
  rotation?: number;
}
/** The `value` of a `<RectangleLabels>` region. */
export interface RectangleLabelsValue extends RectangleValue {
  rectanglelabels: string[];
}

/** An `[x, y]` point in percent of the image size. */
export type Point = [number, number];
/** The `value` of a `<Polygon>` region. */
export interface PolygonValue {
  points: Point[];
  closed?: boolean;
}
/** The `value` of a `<PolygonLabels>` region. */
export interface PolygonLabelsValue extends PolygonValue {
  polygonlabels: string[];
}

/** The `value` of a `<KeyPoint>` region. */
export interface KeyPointValue {
  x: number;
  y: number;
  width?: number;
}
/** The `value` of a `<KeyPointLabels>` region. */
export interface KeyPointLabelsValue extends KeyPointValue {
  keypointlabels: string[];
}

/** Radii are percentages too, at most 50. */
export interface EllipseValue {
  x: number;
  y: number;
  radiusX: number;
  radiusY: number;
  rotation?: number;
}
/** The `value` of a `<EllipseLabels>` region. */
export interface EllipseLabelsValue extends EllipseValue {
  ellipselabels: string[];
}

/** Label Studio's RLE byte stream (each item 0..255). */
export interface BrushValue {
  format?: string;
  rle: number[];
}
/** The `value` of a `<BrushLabels>` region. */
export interface BrushLabelsValue extends BrushValue {
  brushlabels: string[];
}

/** The `value` of a `<TextArea>` region. */
export interface TextAreaValue {
  text: string[];
}
/** The `value` of a `<Number>` region. */
export interface NumberValue {
  number: number;
}
/** An integer from 0 to the control's `maxRating` (default 5). */
export interface RatingValue {
  rating: number;
}
/** The `value` of a `<DateTime>` region. */
export interface DateTimeValue {
  datetime: string;
}
/** Each item is a path from the root of the taxonomy to the selected node. */
export interface TaxonomyValue {
  taxonomy: string[][];
}
/** The `value` of a `<Pairwise>` region. */
export interface PairwiseValue {
  selected: string;
}
/** `{ "<list or bucket name>": [item ids...] }`. */
export interface RankerValue {
  ranker: Record<string, string[]>;
}

/** The `value` of a `<TimeSeriesLabels>` region. */
export interface TimeSeriesLabelsValue {
  start: SpanOffset;
  end: SpanOffset;
  instant: boolean;
  timeserieslabels: string[];
}

interface RichTextSpan {
  start: SpanOffset;
  end: SpanOffset;
  startOffset?: number;
  endOffset?: number;
  text?: string;
}
/** The `value` of a `<ParagraphLabels>` region. */
export interface ParagraphLabelsValue extends RichTextSpan {
  paragraphlabels: string[];
}
/** The `value` of a `<HyperTextLabels>` region. */
export interface HyperTextLabelsValue extends RichTextSpan {
  hypertextlabels: string[];
  globalOffsets?: { start: number; end: number };
}

/** A box on one frame of a `<VideoRectangle>` region's sequence. */
export interface VideoRectangleFrame {
  frame: number;
  time: number;
  x: number;
  y: number;
  width: number;
  height: number;
  rotation?: number;
  enabled?: boolean;
}
/** The `value` of a `<VideoRectangle>` region. */
export interface VideoRectangleValue {
  framesCount: number;
  duration: number;
  sequence: VideoRectangleFrame[];
  labels?: string[] | null;
}

/** A vertex of a `<VectorLabels>` region, in percent of the image size. */
export interface VectorVertex {
  x: number;
  y: number;
  id?: string | null;
  isBezier?: boolean | null;
  prevPointId?: string | null;
}
/** The `value` of a `<VectorLabels>` region. */
export interface VectorLabelsValue {
  vertices: VectorVertex[];
  closed?: boolean | null;
  vectorlabels: string[];
}

/** The `value` of a `<OcrLabels>` region. */
export interface OcrLabelsValue {
  x: number;
  y: number;
  width: number;
  height: number;
  rotation?: number;
  ocrtext?: string | null;
  ocrlabels: string[];
  pageIndex?: number | null;
}

/** Video timeline segments (front-end tag, used by the YOLO example). */
export interface TimelineLabelsValue {
  ranges: Array<{ start: number; end: number }>;
  timelinelabels: string[];
}

/** The `value` of a `<ChatMessage>` region. */
export interface ChatMessageValue {
  chatmessage: { role: string; content: string; createdAt?: number | null };
}

/** A result item of a `<Choices>` control (`type: 'choices'`). */
export type ChoicesRegion = RegionOf<'choices', ChoicesValue>;
/** A result item of a `<Labels>` control (`type: 'labels'`). */
export type LabelsRegion = RegionOf<'labels', LabelsValue>;
/** A result item of a `<Rectangle>` control (`type: 'rectangle'`). */
export type RectangleRegion = RegionOf<'rectangle', RectangleValue>;
/** A result item of a `<RectangleLabels>` control (`type: 'rectanglelabels'`). */
export type RectangleLabelsRegion = RegionOf<'rectanglelabels', RectangleLabelsValue>;
/** A result item of a `<Polygon>` control (`type: 'polygon'`). */
export type PolygonRegion = RegionOf<'polygon', PolygonValue>;
/** A result item of a `<PolygonLabels>` control (`type: 'polygonlabels'`). */
export type PolygonLabelsRegion = RegionOf<'polygonlabels', PolygonLabelsValue>;
/** A result item of a `<KeyPoint>` control (`type: 'keypoint'`). */
export type KeyPointRegion = RegionOf<'keypoint', KeyPointValue>;
/** A result item of a `<KeyPointLabels>` control (`type: 'keypointlabels'`). */
export type KeyPointLabelsRegion = RegionOf<'keypointlabels', KeyPointLabelsValue>;
/** A result item of a `<Ellipse>` control (`type: 'ellipse'`). */
export type EllipseRegion = RegionOf<'ellipse', EllipseValue>;
/** A result item of a `<EllipseLabels>` control (`type: 'ellipselabels'`). */
export type EllipseLabelsRegion = RegionOf<'ellipselabels', EllipseLabelsValue>;
/** A result item of a `<Brush>` control (`type: 'brush'`). */
export type BrushRegion = RegionOf<'brush', BrushValue>;
/** A result item of a `<BrushLabels>` control (`type: 'brushlabels'`). */
export type BrushLabelsRegion = RegionOf<'brushlabels', BrushLabelsValue>;
/** A result item of a `<TextArea>` control (`type: 'textarea'`). */
export type TextAreaRegion = RegionOf<'textarea', TextAreaValue>;
/** A result item of a `<Number>` control (`type: 'number'`). */
export type NumberRegion = RegionOf<'number', NumberValue>;
/** A result item of a `<Rating>` control (`type: 'rating'`). */
export type RatingRegion = RegionOf<'rating', RatingValue>;
/** A result item of a `<DateTime>` control (`type: 'datetime'`). */
export type DateTimeRegion = RegionOf<'datetime', DateTimeValue>;
/** A result item of a `<Taxonomy>` control (`type: 'taxonomy'`). */
export type TaxonomyRegion = RegionOf<'taxonomy', TaxonomyValue>;
/** A result item of a `<Pairwise>` control (`type: 'pairwise'`). */
export type PairwiseRegion = RegionOf<'pairwise', PairwiseValue>;
/** A result item of a `<Ranker>` control (`type: 'ranker'`). */
export type RankerRegion = RegionOf<'ranker', RankerValue>;
/** A result item of a `<TimeSeriesLabels>` control (`type: 'timeserieslabels'`). */
export type TimeSeriesLabelsRegion = RegionOf<'timeserieslabels', TimeSeriesLabelsValue>;
/** A result item of a `<ParagraphLabels>` control (`type: 'paragraphlabels'`). */
export type ParagraphLabelsRegion = RegionOf<'paragraphlabels', ParagraphLabelsValue>;
/** A result item of a `<HyperTextLabels>` control (`type: 'hypertextlabels'`). */
export type HyperTextLabelsRegion = RegionOf<'hypertextlabels', HyperTextLabelsValue>;
/** A result item of a `<VideoRectangle>` control (`type: 'videorectangle'`). */
export type VideoRectangleRegion = RegionOf<'videorectangle', VideoRectangleValue>;
/** A result item of a `<VectorLabels>` control (`type: 'vectorlabels'`). */
export type VectorLabelsRegion = RegionOf<'vectorlabels', VectorLabelsValue>;
/** A result item of a `<OcrLabels>` control (`type: 'ocrlabels'`). */
export type OcrLabelsRegion = RegionOf<'ocrlabels', OcrLabelsValue>;
/** A result item of a `<TimelineLabels>` control (`type: 'timelinelabels'`). */
export type TimelineLabelsRegion = RegionOf<'timelinelabels', TimelineLabelsValue>;
/** A result item of a `<ChatMessage>` control (`type: 'chatmessage'`). */
export type ChatMessageRegion = RegionOf<'chatmessage', ChatMessageValue>;

/** Region type (lower-case control tag) → region shape. */
export interface RegionTypeMap {
  choices: ChoicesRegion;
  labels: LabelsRegion;
  rectangle: RectangleRegion;
  rectanglelabels: RectangleLabelsRegion;
  polygon: PolygonRegion;
  polygonlabels: PolygonLabelsRegion;
  keypoint: KeyPointRegion;
  keypointlabels: KeyPointLabelsRegion;
  ellipse: EllipseRegion;
  ellipselabels: EllipseLabelsRegion;
  brush: BrushRegion;
  brushlabels: BrushLabelsRegion;
  textarea: TextAreaRegion;
  number: NumberRegion;
  rating: RatingRegion;
  datetime: DateTimeRegion;
  taxonomy: TaxonomyRegion;
  pairwise: PairwiseRegion;
  ranker: RankerRegion;
  timeserieslabels: TimeSeriesLabelsRegion;
  paragraphlabels: ParagraphLabelsRegion;
  hypertextlabels: HyperTextLabelsRegion;
  videorectangle: VideoRectangleRegion;
  vectorlabels: VectorLabelsRegion;
  ocrlabels: OcrLabelsRegion;
  timelinelabels: TimelineLabelsRegion;
  chatmessage: ChatMessageRegion;
}

/** The `type` of every region shape lsml knows (the control tag in lower case). */
export type KnownRegionType = keyof RegionTypeMap;
/** Any region of a control type lsml knows (discriminated on `type`). */
export type KnownRegion = RegionTypeMap[KnownRegionType];

/** Any other control type (custom tags, newer front-end tags), or a region whose `type` is a plain string. */
export interface GenericRegion extends RegionCommon {
  type: string;
  value: Record<string, unknown>;
}

/** A region of any control: a known shape or a {@link GenericRegion}. */
export type Region = KnownRegion | GenericRegion;

/** A relation between two regions (by their `id`s), drawn as an arrow in Label Studio. */
export interface Relation {
  from_id: string;
  to_id: string;
  type: 'relation';
  direction?: 'right' | 'left' | 'bi';
  labels?: string[];
}

/** One item of a prediction's or annotation's `result`: a region or a relation. */
export type ResultItem = Region | Relation;

/** Narrows a result item to one known region type (the `GenericRegion` member defeats plain `switch`). */
export function isRegionOfType<T extends KnownRegionType>(item: ResultItem, type: T): item is RegionTypeMap[T] {
  return item.type === type && 'value' in item;
}

/** True for a {@link Relation} (a `result` item with `type: 'relation'`). */
export function isRelation(item: ResultItem): item is Relation {
  return item.type === 'relation';
}
