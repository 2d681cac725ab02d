/**
 * The region types of Label Studio as ONE declarative table: for each region type (the control tag in
 * lower case) the key of its value that holds the labels (Python `_label_attr_name`) and the rules its
 * `value` must follow (the SDK's pydantic value classes in `control_tags.py`, PROTOCOL.md §7.5).
 * `validatePrediction` interprets the rules and `ControlTag.labelKey` reads the label keys, so a new
 * region type is one entry here.
 *
 * The rules are data, not code: a field is a number (bounds, integer, optional/nullable, geometry in
 * percent), a string, a boolean, a span offset, a list of strings (labels checked against the config),
 * a list of objects with their own fields, or one of the few shapes with their own messages (polygon
 * points, brush RLE, taxonomy paths, ranker buckets).
 */

/** Absent (`optional`) or `null` (`nullable`) accepted. */
interface Presence {
  optional?: boolean;
  nullable?: boolean;
}

/** One rule for one key of a region value. */
export type FieldRule =
  | ({
      kind: 'number';
      key: string;
      max?: number;
      min?: number;
      integer?: boolean;
      /** Geometry in percent: negative values fail under `rejectNegativeCoordinates`. */
      geometry?: boolean;
      /** The maximum is this control attribute (e.g. Rating's `maxRating`), with its default. */
      maxFromAttr?: { attr: string; default: string };
    } & Presence)
  | ({ kind: 'string'; key: string } & Presence)
  | ({ kind: 'boolean'; key: string } & Presence)
  /** A span offset: a number (Text) or a string (XPath for HyperText/Paragraphs). */
  | { kind: 'offset'; key: string }
  /** A list of strings; `labels`: each a label of the control; `nullable`: `null` accepted (key still required). */
  | { kind: 'strings'; key: string; labels?: boolean; nullable?: boolean }
  /** A list of objects, each checked with `fields`. */
  | ({ kind: 'objects'; key: string; fields: readonly FieldRule[] } & Presence)
  /** An object checked with `fields` (at `value.<key>`). */
  | { kind: 'object'; key: string; fields: readonly FieldRule[] }
  /** Polygon points: a list of `[x, y]` in percent. */
  | { kind: 'points'; key: string }
  /** Brush RLE: a non-empty list of bytes (0..255). */
  | { kind: 'rle'; key: string }
  /** Taxonomy: a list of paths, each a list of labels from the root. */
  | { kind: 'taxonomy'; key: string }
  /** Ranker: an object of lists of strings (buckets). */
  | { kind: 'ranker'; key: string };

/** One region type: the key holding its labels and the rules of its value (none: anything goes). */
export interface RegionTypeEntry {
  /** The value key with the control's labels (or the value itself for TextArea, Rating, ...). */
  labelKey?: string;
  /** What the value must look like; absent for types without an SDK value class. */
  rules?: readonly FieldRule[];
}

const num = (key: string, opts: Omit<Extract<FieldRule, { kind: 'number' }>, 'kind' | 'key'> = {}): FieldRule => ({ kind: 'number', key, ...opts });
const str = (key: string, opts: Presence = {}): FieldRule => ({ kind: 'string', key, ...opts });
const bool = (key: string, opts: Presence = {}): FieldRule => ({ kind: 'boolean', key, ...opts });
const labels = (key: string, opts: { nullable?: boolean } = {}): FieldRule => ({ kind: 'strings', key, labels: true, ...opts });
const optional = { optional: true, nullable: true } as const;
const percent = (key: string, max = 100): FieldRule => num(key, { max, geometry: true });

const RECTANGLE = [percent('x'), percent('y'), percent('width'), percent('height'), num('rotation', { max: 360, ...optional })];
const KEYPOINT = [percent('x'), percent('y')];
const ELLIPSE = [percent('x'), percent('y'), percent('radiusX', 50), percent('radiusY', 50), num('rotation', { max: 360, ...optional })];
const POLYGON: FieldRule[] = [{ kind: 'points', key: 'points' }];
const BRUSH: FieldRule[] = [str('format', { optional: true }), { kind: 'rle', key: 'rle' }];
const SPAN: FieldRule[] = [
  { kind: 'offset', key: 'start' },
  { kind: 'offset', key: 'end' },
];
const RICH_SPAN = [...SPAN, num('startOffset', { integer: true, min: 0, ...optional }), num('endOffset', { integer: true, min: 0, ...optional })];
const VERTICES: FieldRule = {
  kind: 'objects',
  key: 'vertices',
  fields: [num('x'), num('y'), str('id', optional), bool('isBezier', optional), str('prevPointId', optional)],
};
const VIDEO_VECTOR: FieldRule[] = [
  num('framesCount', { integer: true, ...optional }),
  num('duration', optional),
  {
    kind: 'objects',
    key: 'sequence',
    fields: [num('time', optional), num('frame', { integer: true }), bool('closed', optional), bool('enabled', optional), VERTICES],
  },
];

/** Region type → label key and value rules. */
export const REGION_TABLE: Readonly<Record<string, RegionTypeEntry>> = {
  choices: { labelKey: 'choices', rules: [labels('choices')] },
  labels: { labelKey: 'labels', rules: [...SPAN, labels('labels')] },
  rectangle: { rules: RECTANGLE },
  rectanglelabels: { labelKey: 'rectanglelabels', rules: [...RECTANGLE, labels('rectanglelabels')] },
  polygon: { rules: POLYGON },
  polygonlabels: { labelKey: 'polygonlabels', rules: [...POLYGON, labels('polygonlabels')] },
  keypoint: { rules: KEYPOINT },
  keypointlabels: { labelKey: 'keypointlabels', rules: [...KEYPOINT, labels('keypointlabels')] },
  ellipse: { rules: ELLIPSE },
  ellipselabels: { labelKey: 'ellipselabels', rules: [...ELLIPSE, labels('ellipselabels')] },
  brush: { rules: BRUSH },
  brushlabels: { labelKey: 'brushlabels', rules: [...BRUSH, labels('brushlabels')] },
  textarea: { labelKey: 'text', rules: [{ kind: 'strings', key: 'text' }] },
  number: { labelKey: 'number', rules: [num('number')] },
  rating: { labelKey: 'rating', rules: [num('rating', { integer: true, min: 0, maxFromAttr: { attr: 'maxRating', default: '5' } })] },
  datetime: { labelKey: 'datetime', rules: [str('datetime')] },
  taxonomy: { labelKey: 'taxonomy', rules: [{ kind: 'taxonomy', key: 'taxonomy' }] },
  pairwise: { labelKey: 'selected', rules: [str('selected')] },
  ranker: { rules: [{ kind: 'ranker', key: 'ranker' }] },
  timeserieslabels: { labelKey: 'timeserieslabels', rules: [...SPAN, bool('instant'), labels('timeserieslabels')] },
  paragraphlabels: { labelKey: 'paragraphlabels', rules: [...RICH_SPAN, labels('paragraphlabels')] },
  hypertextlabels: { labelKey: 'hypertextlabels', rules: [...RICH_SPAN, labels('hypertextlabels')] },
  videorectangle: {
    labelKey: 'labels',
    rules: [
      num('framesCount', { integer: true }),
      num('duration'),
      {
        kind: 'objects',
        key: 'sequence',
        fields: [percent('x'), percent('y'), percent('width'), percent('height'), num('rotation', optional), num('time'), num('frame', { integer: true })],
      },
      labels('labels', { nullable: true }),
    ],
  },
  videovector: { rules: VIDEO_VECTOR },
  videovectorlabels: { labelKey: 'labels', rules: [...VIDEO_VECTOR, labels('labels', { nullable: true })] },
  vectorlabels: { labelKey: 'vectorlabels', rules: [VERTICES, bool('closed', optional), labels('vectorlabels')] },
  ocrlabels: {
    labelKey: 'ocrlabels',
    rules: [num('x'), num('y'), num('width'), num('height'), num('rotation', optional), str('ocrtext', optional), num('pageIndex', { integer: true, ...optional }), labels('ocrlabels')],
  },
  timelinelabels: { labelKey: 'timelinelabels', rules: [{ kind: 'objects', key: 'ranges', fields: [num('start'), num('end')] }, labels('timelinelabels')] },
  chatmessage: { labelKey: 'chatmessage', rules: [{ kind: 'object', key: 'chatmessage', fields: [str('role'), str('content'), num('createdAt', { integer: true, ...optional })] }] },
  reactcode: { labelKey: 'reactcode', rules: [{ kind: 'object', key: 'reactcode', fields: [] }] },
};

/** The table entry of a region type, if the type is known. */
export function regionTypeEntry(type: string): RegionTypeEntry | undefined {
  return Object.hasOwn(REGION_TABLE, type) ? REGION_TABLE[type] : undefined;
}
