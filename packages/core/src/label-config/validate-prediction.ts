/**
 * Checks a prediction against the label config the way the newest Label Studio does before storing it
 * (`LabelInterface.validate_prediction`, behind `fflag_feat_utc_210_prediction_validation_15082025`;
 * PROTOCOL.md §5.4 step 5). One invalid prediction makes Label Studio reject the whole batch, so a
 * backend can run this first and name the offending region and field.
 *
 * The per-type value rules follow the SDK's pydantic value classes (`control_tags.py`): e.g. geometry
 * is `confloat(le=100)`, so coordinates above 100 fail but negative ones pass (opt in to rejecting them
 * with `rejectNegativeCoordinates`). Differences from the SDK, all on the lenient side unless noted:
 * - numbers must be JSON numbers (pydantic would also coerce numeric strings) — stricter;
 * - labels are not checked for controls with dynamic labels even when static labels exist too;
 * - control types without an SDK value class (TimelineLabels is given its front-end schema; other
 *   custom tags only need an object value) are accepted instead of always failing.
 */
import type { ControlTag, LabelInterface } from './label-interface.js';
import { regionTypeEntry, type FieldRule } from './region-table.js';

/** One problem {@link validatePrediction} found. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `result[2].value.choices[0]`, `result[0].to_name`, `score`. */
  path: string;
  /** The region's (or relation's) `id`, when it has one. */
  regionId?: string;
  /** The offending key: `choices`, `x`, `from_name`, `score`, `to_id`, ... */
  field: string;
  message: string;
}

/** What {@link validatePrediction} returns: `ok` when there is no issue. */
export interface ValidationResult {
  ok: boolean;
  errors: ValidationIssue[];
}

/** Options of {@link validatePrediction}. */
export interface ValidatePredictionOptions {
  /** Also reject negative geometry (x, y, width, height, radii, points). Label Studio accepts them. */
  rejectNegativeCoordinates?: boolean;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function idOf(region: Json): string | undefined {
  const id = region.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** Collects issues for one region value; paths are relative to the region (`value.x`). */
class ValueChecker {
  constructor(
    private readonly push: (path: string, field: string, message: string) => void,
    private readonly control: ControlTag,
    private readonly options: ValidatePredictionOptions,
  ) {}

  issue(path: string, field: string, message: string): void {
    this.push(path, field, message);
  }

  /** A finite number; `max`/`min` bounds; `integer`; optional (absent) or nullable (null) when allowed. */
  number(
    obj: Json,
    key: string,
    path: string,
    opts: { max?: number; min?: number; integer?: boolean; optional?: boolean; nullable?: boolean; geometry?: boolean } = {},
  ): void {
    const v = obj[key];
    const at = `${path}.${key}`;
    if (v === undefined) {
      if (!opts.optional) this.issue(at, key, `'${key}' is required`);
      return;
    }
    if (v === null) {
      if (!opts.nullable) this.issue(at, key, `'${key}' must be a number, got null`);
      return;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.issue(at, key, `'${key}' must be a number, got ${describe(v)}`);
      return;
    }
    if (opts.integer && !Number.isInteger(v)) this.issue(at, key, `'${key}' must be an integer, got ${v}`);
    if (opts.max !== undefined && v > opts.max) this.issue(at, key, `'${key}' must be at most ${opts.max}, got ${v}`);
    const min = opts.min ?? (opts.geometry && this.options.rejectNegativeCoordinates ? 0 : undefined);
    if (min !== undefined && v < min) this.issue(at, key, `'${key}' must be at least ${min}, got ${v}`);
  }

  string(obj: Json, key: string, path: string, opts: { optional?: boolean; nullable?: boolean } = {}): void {
    const v = obj[key];
    const at = `${path}.${key}`;
    if (v === undefined) {
      if (!opts.optional) this.issue(at, key, `'${key}' is required`);
    } else if (v === null) {
      if (!opts.nullable) this.issue(at, key, `'${key}' must be a string, got null`);
    } else if (typeof v !== 'string') {
      this.issue(at, key, `'${key}' must be a string, got ${describe(v)}`);
    }
  }

  boolean(obj: Json, key: string, path: string, opts: { optional?: boolean; nullable?: boolean } = {}): void {
    const v = obj[key];
    const at = `${path}.${key}`;
    if (v === undefined) {
      if (!opts.optional) this.issue(at, key, `'${key}' is required`);
    } else if (v === null) {
      if (!opts.nullable) this.issue(at, key, `'${key}' must be a boolean, got null`);
    } else if (typeof v !== 'boolean') {
      this.issue(at, key, `'${key}' must be a boolean, got ${describe(v)}`);
    }
  }

  /** Span offsets: a number or a string (XPath for HyperText/Paragraphs). */
  offset(obj: Json, key: string, path: string): void {
    const v = obj[key];
    if (v === undefined) this.issue(`${path}.${key}`, key, `'${key}' is required`);
    else if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
      this.issue(`${path}.${key}`, key, `'${key}' must be a number or a string, got ${describe(v)}`);
    }
  }

  /** A list of strings; with `labels`, each must be one of the control's labels. */
  stringList(obj: Json, key: string, path: string, opts: { labels?: boolean; nonEmpty?: boolean } = {}): void {
    const v = obj[key];
    const at = `${path}.${key}`;
    if (v === undefined) {
      this.issue(at, key, `'${key}' is required`);
      return;
    }
    if (!Array.isArray(v)) {
      this.issue(at, key, `'${key}' must be a list of strings, got ${describe(v)}`);
      return;
    }
    if (opts.nonEmpty && v.length === 0) this.issue(at, key, `'${key}' must not be empty`);
    v.forEach((item: unknown, i) => {
      if (typeof item !== 'string') this.issue(`${at}[${i}]`, key, `'${key}' items must be strings, got ${describe(item)}`);
      else if (opts.labels) this.label(item, `${at}[${i}]`, key);
    });
  }

  label(label: string, at: string, field: string): void {
    if (this.control.acceptsLabel(label)) return;
    this.issue(
      at,
      field,
      `${describe(label)} is not a label of control '${this.control.name}' (allowed: ${this.control.labels.map((l) => describe(l)).join(', ')})`,
    );
  }

  list(obj: Json, key: string, path: string, each: (item: unknown, at: string) => void, opts: { optional?: boolean } = {}): void {
    const v = obj[key];
    const at = `${path}.${key}`;
    if (v === undefined) {
      if (!opts.optional) this.issue(at, key, `'${key}' is required`);
      return;
    }
    if (!Array.isArray(v)) {
      this.issue(at, key, `'${key}' must be a list, got ${describe(v)}`);
      return;
    }
    v.forEach((item: unknown, i) => each(item, `${at}[${i}]`));
  }

  object(item: unknown, at: string, field: string, each: (obj: Json) => void): void {
    if (!isObject(item)) this.issue(at, field, `'${field}' items must be objects, got ${describe(item)}`);
    else each(item);
  }

  /** Checks `v` as a value of region type `type` (lower case); false when the table has no rules for it. */
  check(type: string, v: Json, path: string): boolean {
    const rules = regionTypeEntry(type)?.rules;
    if (!rules) return false;
    this.apply(rules, v, path);
    return true;
  }

  /** Applies the table's rules (region-table.ts) to `v`, in order. */
  private apply(rules: readonly FieldRule[], v: Json, path: string): void {
    for (const rule of rules) {
      const { key } = rule;
      switch (rule.kind) {
        case 'number': {
          const { kind: _kind, key: _key, maxFromAttr, ...opts } = rule;
          let max = opts.max;
          if (maxFromAttr) {
            const parsed = Number.parseInt(this.control.attrs[maxFromAttr.attr] ?? maxFromAttr.default, 10);
            max = Number.isNaN(parsed) ? undefined : parsed;
          }
          this.number(v, key, path, { ...opts, ...(max === undefined ? {} : { max }) });
          break;
        }
        case 'string':
          this.string(v, key, path, rule);
          break;
        case 'boolean':
          this.boolean(v, key, path, rule);
          break;
        case 'offset':
          this.offset(v, key, path);
          break;
        case 'strings':
          if (rule.nullable && v[key] === null) break;
          this.stringList(v, key, path, { labels: rule.labels ?? false });
          break;
        case 'objects':
          this.list(v, key, path, (item, at) => this.object(item, at, key, (obj) => this.apply(rule.fields, obj, at)), rule);
          break;
        case 'object': {
          const inner = v[key];
          if (!isObject(inner)) this.issue(`${path}.${key}`, key, `'${key}' must be an object, got ${describe(inner)}`);
          else this.apply(rule.fields, inner, `${path}.${key}`);
          break;
        }
        case 'points':
          this.points(v, key, path);
          break;
        case 'rle':
          this.rle(v, key, path);
          break;
        case 'taxonomy':
          this.taxonomy(v, key, path);
          break;
        case 'ranker':
          this.ranker(v, key, path);
          break;
      }
    }
  }

  private points(v: Json, key: string, path: string): void {
    this.list(v, key, path, (point, at) => {
      if (!Array.isArray(point) || point.length !== 2) {
        this.issue(at, key, `each point must be [x, y], got ${describe(point)}`);
        return;
      }
      const [x, y] = point as [unknown, unknown];
      this.number({ x, y }, 'x', at, { max: 100, geometry: true });
      this.number({ x, y }, 'y', at, { max: 100, geometry: true });
    });
  }

  private rle(v: Json, key: string, path: string): void {
    const rle = v[key];
    const at = `${path}.${key}`;
    if (rle === undefined) this.issue(at, key, `'${key}' is required`);
    else if (!Array.isArray(rle) || rle.length === 0) this.issue(at, key, `'${key}' must be a non-empty list of bytes (0..255)`);
    else {
      const bad = rle.findIndex((b: unknown) => !(typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255));
      if (bad >= 0) this.issue(`${at}[${bad}]`, key, `'${key}' items must be integers from 0 to 255, got ${describe(rle[bad])}`);
    }
  }

  private taxonomy(v: Json, key: string, path: string): void {
    this.list(v, key, path, (item, at) => {
      if (!Array.isArray(item)) {
        this.issue(at, key, `each taxonomy item must be a path (list of strings), got ${describe(item)}`);
        return;
      }
      item.forEach((node: unknown, j) => {
        if (typeof node !== 'string') this.issue(`${at}[${j}]`, key, `taxonomy nodes must be strings, got ${describe(node)}`);
        else this.label(node, `${at}[${j}]`, key);
      });
    });
  }

  private ranker(v: Json, key: string, path: string): void {
    const ranker = v[key];
    if (!isObject(ranker)) {
      this.issue(`${path}.${key}`, key, `'${key}' must be an object of lists, got ${describe(ranker)}`);
      return;
    }
    for (const bucket of Object.keys(ranker)) this.stringList(ranker, bucket, `${path}.${key}`);
  }
}

/** Geometry tools that a generic `<Labels>` may label (split or merged formats). */
const GEOMETRY_TYPES = new Set(['rectangle', 'polygon', 'ellipse', 'keypoint', 'brush']);

/**
 * Validates one prediction (`{result, score?, model_version?}`) against the label config.
 * Never throws: every problem becomes an issue with a path such as `result[2].value.choices[0]`.
 */
export function validatePrediction(
  labelInterface: LabelInterface,
  prediction: unknown,
  options: ValidatePredictionOptions = {},
): ValidationResult {
  const errors: ValidationIssue[] = [];
  const add = (path: string, field: string, message: string, regionId?: string) =>
    errors.push(regionId === undefined ? { path, field, message } : { path, regionId, field, message });

  if (!isObject(prediction)) {
    add('', 'prediction', `A prediction must be an object, got ${describe(prediction)}`);
    return { ok: false, errors };
  }
  if (!('result' in prediction)) {
    add('result', 'result', "Missing required field 'result'");
    return { ok: false, errors };
  }
  const result = prediction.result;
  if (!Array.isArray(result)) {
    add('result', 'result', `'result' must be a list, got ${describe(result)}`);
    return { ok: false, errors };
  }

  const score = prediction.score;
  if (score !== undefined && score !== null) {
    if (typeof score !== 'number' || !Number.isFinite(score)) add('score', 'score', `Score must be a valid number, got ${describe(score)}`);
    else if (score < 0 || score > 1) add('score', 'score', `Score must be between 0.00 and 1.00 inclusive, got ${score}`);
  }

  const validRegions: Json[] = [];
  const relations: Array<[number, Json]> = [];
  result.forEach((item: unknown, i) => {
    const path = `result[${i}]`;
    if (!isObject(item)) {
      add(path, 'result', `Region must be an object, got ${describe(item)}`);
      return;
    }
    if (item.type === 'relation') {
      relations.push([i, item]);
      return;
    }
    const before = errors.length;
    validateRegion(labelInterface, item, path, result as unknown[], options, (p, f, m) => add(p, f, m, idOf(item)));
    if (errors.length === before) validRegions.push(item);
  });

  // Relations may only point at regions that passed validation (as in the SDK).
  const ids = new Set(validRegions.filter((r) => 'id' in r).map((r) => r.id));
  for (const [i, relation] of relations) {
    const path = `result[${i}]`;
    const regionId = idOf(relation);
    for (const field of ['type', 'direction', 'from_id', 'to_id']) {
      if (!(field in relation)) add(`${path}.${field}`, field, `Relation: missing required field '${field}'`, regionId);
    }
    const direction = relation.direction;
    if ('direction' in relation && direction !== 'left' && direction !== 'right' && direction !== 'bi') {
      add(`${path}.direction`, 'direction', `Relation: direction must be one of 'left', 'right', 'bi', got ${describe(direction)}`, regionId);
    }
    for (const field of ['from_id', 'to_id']) {
      if (field in relation && !ids.has(relation[field])) {
        add(`${path}.${field}`, field, `Relation: '${field}' ${describe(relation[field])} does not match the id of a valid region`, regionId);
      }
    }
  }

  return { ok: errors.length === 0, errors };
}

function validateRegion(
  li: LabelInterface,
  region: Json,
  path: string,
  result: readonly unknown[],
  options: ValidatePredictionOptions,
  add: (path: string, field: string, message: string) => void,
): void {
  const missing = ['from_name', 'to_name', 'type', 'value'].filter((f) => !(f in region));
  for (const field of missing) add(`${path}.${field}`, field, `Missing required field '${field}'`);
  if (missing.length > 0) return;

  const fromName = region.from_name;
  const control = typeof fromName === 'string' ? li.findControl(fromName) : undefined;
  if (!control) {
    const names = li.controls.map((c) => c.name).join(', ');
    add(`${path}.from_name`, 'from_name', `'from_name' ${describe(fromName)} is not a control tag in the label config (controls: ${names})`);
    return;
  }
  const toName = region.to_name;
  if (typeof toName !== 'string' || !li.findObject(toName)) {
    add(`${path}.to_name`, 'to_name', `'to_name' ${describe(toName)} is not an object tag in the label config`);
    return;
  }

  const type = region.type;
  if (typeof type !== 'string') {
    add(`${path}.type`, 'type', `'type' must be a string, got ${describe(type)}`);
    return;
  }
  const actualType = type.toLowerCase();
  const geometry = mergedGeometryControl(li, control, actualType);
  if (actualType !== control.regionType && !geometry) {
    add(`${path}.type`, 'type', `Type '${actualType}' does not match expected type '${control.regionType}' for control '${control.name}'`);
  }
  if (!control.toName.includes(toName)) {
    add(
      `${path}.to_name`,
      'to_name',
      `'to_name' '${toName}' is not valid for control '${control.name}'. Valid options: ${control.toName.join(', ')}`,
    );
  }

  const raw = region.value;
  if (!isObject(raw)) {
    add(`${path}.value`, 'value', `'value' must be an object, got ${describe(raw)}`);
    return;
  }
  // The SDK accepts a payload nested under the control name, e.g. {"rank": {"ranker": {...}}}.
  const nested = raw[control.name];
  const value: Json = isObject(nested) ? nested : raw;

  const checker = new ValueChecker(add, control, options);
  const valuePath = `${path}.value`;
  if (geometry) {
    // Merged region: `<Labels>` + a geometry tool on the same object, type e.g. "rectanglelabels".
    const labelKey = actualType in value ? actualType : 'labels';
    checker.stringList(value, labelKey, valuePath, { labels: true, nonEmpty: true });
    const { [labelKey]: _labels, ...geometryValue } = value;
    checker.check(geometry.regionType, geometryValue, valuePath);
    return;
  }
  if (control.regionType === 'labels' && actualType === 'labels') {
    // Split format: a geometry region and a labels region sharing one id; the labels carry the geometry.
    const partnerType = splitPartnerType(region, result);
    if (partnerType) {
      checker.stringList(value, 'labels', valuePath, { labels: true });
      checker.check(partnerType, value, valuePath);
      return;
    }
  }
  if (control.regionType === 'relations') {
    add(`${path}.type`, 'type', "Relations are sent as {type: 'relation', from_id, to_id, direction} items, not as regions");
    return;
  }
  if (!checker.check(control.regionType, value, valuePath) && control.labelKey && control.labelKey in value) {
    // Unknown control type: only the labels, when present, can be checked.
    checker.stringList(value, control.labelKey, valuePath, { labels: true });
  }
}

/** SDK `_merged_labels_geometry_control`: a sibling geometry control sharing an object with `<Labels>`. */
function mergedGeometryControl(li: LabelInterface, control: ControlTag, regionType: string): ControlTag | undefined {
  if (control.regionType !== 'labels' || regionType === 'labels' || !regionType.endsWith('labels')) return undefined;
  const geometryType = regionType.slice(0, -'labels'.length);
  return li.controls.find(
    (sibling) =>
      sibling !== control && sibling.regionType === geometryType && sibling.toName.some((n) => control.toName.includes(n)),
  );
}

function splitPartnerType(region: Json, result: readonly unknown[]): string | undefined {
  if (region.id === undefined || region.id === null) return undefined;
  for (const other of result) {
    if (!isObject(other) || other.id !== region.id || typeof other.type !== 'string') continue;
    const type = other.type.toLowerCase();
    if (GEOMETRY_TYPES.has(type)) return type;
  }
  return undefined;
}
