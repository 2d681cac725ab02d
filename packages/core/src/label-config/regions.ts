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

export interface ChoicesValue {
  choices: string[];
}

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
export interface RectangleLabelsValue extends RectangleValue {
  rectanglelabels: string[];
}

export type Point = [number, number];
export interface PolygonValue {
  points: Point[];
  closed?: boolean;
}
export interface PolygonLabelsValue extends PolygonValue {
  polygonlabels: string[];
}

export interface KeyPointValue {
  x: number;
  y: number;
  width?: number;
}
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
export interface EllipseLabelsValue extends EllipseValue {
  ellipselabels: string[];
}

/** Label Studio's RLE byte stream (each item 0..255). */
export interface BrushValue {
  format?: string;
  rle: number[];
}
export interface BrushLabelsValue extends BrushValue {
  brushlabels: string[];
}

export interface TextAreaValue {
  text: string[];
}
export interface NumberValue {
  number: number;
}
/** An integer from 0 to the control's `maxRating` (default 5). */
export interface RatingValue {
  rating: number;
}
export interface DateTimeValue {
  datetime: string;
}
/** Each item is a path from the root of the taxonomy to the selected node. */
export interface TaxonomyValue {
  taxonomy: string[][];
}
export interface PairwiseValue {
  selected: string;
}
/** `{ "<list or bucket name>": [item ids...] }`. */
export interface RankerValue {
  ranker: Record<string, string[]>;
}

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
export interface ParagraphLabelsValue extends RichTextSpan {
  paragraphlabels: string[];
}
export interface HyperTextLabelsValue extends RichTextSpan {
  hypertextlabels: string[];
  globalOffsets?: { start: number; end: number };
}

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
export interface VideoRectangleValue {
  framesCount: number;
  duration: number;
  sequence: VideoRectangleFrame[];
  labels?: string[] | null;
}

export interface VectorVertex {
  x: number;
  y: number;
  id?: string | null;
  isBezier?: boolean | null;
  prevPointId?: string | null;
}
export interface VectorLabelsValue {
  vertices: VectorVertex[];
  closed?: boolean | null;
  vectorlabels: string[];
}

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

export interface ChatMessageValue {
  chatmessage: { role: string; content: string; createdAt?: number | null };
}

export type ChoicesRegion = RegionOf<'choices', ChoicesValue>;
export type LabelsRegion = RegionOf<'labels', LabelsValue>;
export type RectangleRegion = RegionOf<'rectangle', RectangleValue>;
export type RectangleLabelsRegion = RegionOf<'rectanglelabels', RectangleLabelsValue>;
export type PolygonRegion = RegionOf<'polygon', PolygonValue>;
export type PolygonLabelsRegion = RegionOf<'polygonlabels', PolygonLabelsValue>;
export type KeyPointRegion = RegionOf<'keypoint', KeyPointValue>;
export type KeyPointLabelsRegion = RegionOf<'keypointlabels', KeyPointLabelsValue>;
export type EllipseRegion = RegionOf<'ellipse', EllipseValue>;
export type EllipseLabelsRegion = RegionOf<'ellipselabels', EllipseLabelsValue>;
export type BrushRegion = RegionOf<'brush', BrushValue>;
export type BrushLabelsRegion = RegionOf<'brushlabels', BrushLabelsValue>;
export type TextAreaRegion = RegionOf<'textarea', TextAreaValue>;
export type NumberRegion = RegionOf<'number', NumberValue>;
export type RatingRegion = RegionOf<'rating', RatingValue>;
export type DateTimeRegion = RegionOf<'datetime', DateTimeValue>;
export type TaxonomyRegion = RegionOf<'taxonomy', TaxonomyValue>;
export type PairwiseRegion = RegionOf<'pairwise', PairwiseValue>;
export type RankerRegion = RegionOf<'ranker', RankerValue>;
export type TimeSeriesLabelsRegion = RegionOf<'timeserieslabels', TimeSeriesLabelsValue>;
export type ParagraphLabelsRegion = RegionOf<'paragraphlabels', ParagraphLabelsValue>;
export type HyperTextLabelsRegion = RegionOf<'hypertextlabels', HyperTextLabelsValue>;
export type VideoRectangleRegion = RegionOf<'videorectangle', VideoRectangleValue>;
export type VectorLabelsRegion = RegionOf<'vectorlabels', VectorLabelsValue>;
export type OcrLabelsRegion = RegionOf<'ocrlabels', OcrLabelsValue>;
export type TimelineLabelsRegion = RegionOf<'timelinelabels', TimelineLabelsValue>;
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

export type KnownRegionType = keyof RegionTypeMap;
export type KnownRegion = RegionTypeMap[KnownRegionType];

/** Any other control type (custom tags, newer front-end tags), or a region whose `type` is a plain string. */
export interface GenericRegion extends RegionCommon {
  type: string;
  value: Record<string, unknown>;
}

export type Region = KnownRegion | GenericRegion;

export interface Relation {
  from_id: string;
  to_id: string;
  type: 'relation';
  direction?: 'right' | 'left' | 'bi';
  labels?: string[];
}

export type ResultItem = Region | Relation;

/** Narrows a result item to one known region type (the `GenericRegion` member defeats plain `switch`). */
export function isRegionOfType<T extends KnownRegionType>(item: ResultItem, type: T): item is RegionTypeMap[T] {
  return item.type === type && 'value' in item;
}

export function isRelation(item: ResultItem): item is Relation {
  return item.type === 'relation';
}
