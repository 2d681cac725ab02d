/**
 * A parsed label config with the lookups ML backends need (PROTOCOL.md §6.6), modelled on the Python
 * SDK's `label_studio_sdk.label_interface.LabelInterface`.
 */
import { LabelConfigError } from './errors.js';
import {
  isControlElement,
  isObjectElement,
  parsedConfigFromElements,
  type ParsedConditionals,
  type ParsedControl,
  type ParsedLabelConfig,
} from './parse-config.js';
import { makeRegion, type RegionOptions } from './region-builders.js';
import { regionTypeEntry } from './region-table.js';
import type { Region } from './regions.js';
import { pyRepr, setOwn } from './util.js';
import { parseXmlElements, type XmlElement } from './xml.js';

/** Tags that are both a control and an object under one name (Python `_SELF_REFERENCING_TAGS`). */
const SELF_REFERENCING: Readonly<Record<string, string>> = { chat: 'ChatMessage', reactcode: 'ReactCode' };

/** Value keys that hold one value rather than a list of labels. */
const SCALAR_KEYS = new Set(['number', 'rating', 'datetime', 'selected', 'chatmessage', 'reactcode']);

/** An object tag of the config (`Text`, `Image`, `Audio`, …): the data a control labels. */
export interface ObjectTag {
  readonly kind: 'object';
  readonly name: string;
  /** The tag name as written (`Text`, `Image`, ...). */
  readonly type: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** Python `ObjectTag.value`: the `valueList` attribute if present, else `value` (raw, with `$`). */
  readonly value: string | null;
  readonly valueType: string | null;
  /** The task data key: `value` without its leading `$` (Python `value_name`). */
  readonly valueName: string | null;
  /** True when `value` is a `$variable` (Python `value_is_variable`: `^\$[^, ]+$`). */
  readonly valueIsVariable: boolean;
}

/** A tag of the config: a control or an object. */
export type Tag = ControlTag | ObjectTag;

export interface LabelOptions extends RegionOptions {
  /** Other value fields besides the labels: span offsets, geometry, ... */
  value?: Record<string, unknown>;
}

/**
 * A control tag of the config (`Choices`, `Labels`, `RectangleLabels`, …): its name, the objects it labels
 * (`toName`), its labels, and helpers that build regions for it.
 */
export class ControlTag {
  readonly kind = 'control' as const;
  /** Region `type` for this control: the tag name in lower case. */
  readonly regionType: string;
  /** Where labels live in a region value (`choices`, `labels`, `rectanglelabels`, ...), if anywhere. */
  readonly labelKey: string | undefined;

  constructor(
    readonly name: string,
    /** The tag name as written (`Choices`, `RectangleLabels`, ...). */
    readonly type: string,
    readonly toName: readonly string[],
    readonly attrs: Readonly<Record<string, string>>,
    /** The objects in `toName` that exist, in `toName` order (duplicates kept, unknown names skipped). */
    readonly objects: readonly ObjectTag[],
    /** Label keys in document order (alias, else value, else valueList). */
    readonly labels: readonly string[],
    readonly labelsAttrs: Readonly<Record<string, Readonly<Record<string, string>>>>,
    /** Labels come from task data or an API (`value="$..."` or `apiUrl`), so any label is acceptable. */
    readonly dynamicLabels: boolean,
    readonly conditionals: ParsedConditionals | undefined,
  ) {
    this.regionType = type.toLowerCase();
    // The value key that holds the labels (Python `_label_attr_name`): the region table's, else `<type>` for
    // any other `...labels` control; for value-like controls (TextArea, Rating, ...) the value's own key.
    this.labelKey = regionTypeEntry(this.regionType)?.labelKey ?? (this.regionType.endsWith('labels') ? this.regionType : undefined);
  }

  /** True when `label` may be used with this control (always true for dynamic or label-less controls). */
  acceptsLabel(label: string): boolean {
    return this.dynamicLabels || this.labels.length === 0 || this.labels.includes(label);
  }

  /** Throws unless every label is defined in the config (Python `_validate_labels`). */
  assertLabels(labels: readonly string[]): void {
    const unknown = labels.filter((l) => !this.acceptsLabel(l));
    if (unknown.length > 0) {
      throw new Error(
        `Using labels not defined in labeling config for control '${this.name}': ${unknown.map(pyRepr).join(', ')}; ` +
          `possible values: {${this.labels.map(pyRepr).join(', ')}}`,
      );
    }
  }

  /**
   * Builds a region (Python `control.label(...)`): `labels` go under `labelKey`, `options.value` adds
   * the other value fields, `to_name` defaults to the first `toName`. Throws on labels not in the config.
   * For TextArea the labels are the texts; for Taxonomy they are one path from the root.
   */
  label(labels: string | readonly string[], options: LabelOptions = {}): Region {
    const key = this.labelKey;
    if (key === undefined || SCALAR_KEYS.has(key)) {
      throw new Error(`Control '${this.name}' (${this.type}) does not take labels; use region() or a typed builder`);
    }
    const list = typeof labels === 'string' ? [labels] : [...labels];
    this.assertLabels(list);
    const { value: extra, ...rest } = options;
    return makeRegion(this, this.regionType, { ...extra, [key]: key === 'taxonomy' ? [list] : list }, rest);
  }

  /** Builds a region with the given value and no label checks (Python `label()` without a label). */
  region(value: Record<string, unknown>, options: RegionOptions = {}): Region {
    return makeRegion(this, this.regionType, { ...value }, options);
  }

  /** Python `get_object`: the named linked object, or the only one. */
  getObject(name?: string): ObjectTag {
    if (name !== undefined) {
      if (!this.toName.includes(name)) throw new Error(`Object name ${name} is not found`);
      const found = this.objects.find((o) => o.name === name);
      if (!found) throw new Error(`Object name ${name} is not found`);
      return found;
    }
    if (this.objects.length > 1) throw new Error('Multiple object tags connected, you should specify name');
    const only = this.objects[0];
    if (!only) throw new Error(`Control '${this.name}' is not connected to any object tag`);
    return only;
  }
}

/** Filters of {@link LabelInterface.getFirstTagOccurrence}. */
export interface FirstTagFilters {
  /** Receives the control's name in lower case. */
  nameFilter?: (name: string) => boolean;
  /** Receives the object's name in lower case. */
  toNameFilter?: (name: string) => boolean;
}

/** Python's `str()` of a str or a tuple of str, as used in `get_first_tag_occurence`'s error message. */
function formatTagTypes(types: string | readonly string[]): string {
  if (typeof types === 'string') return types;
  if (types.length === 1) return `(${pyRepr(types[0] as string)},)`;
  return `(${types.map(pyRepr).join(', ')})`;
}

function lowerSet(types: string | readonly string[]): Set<string> {
  return new Set((typeof types === 'string' ? [types] : types).map((t) => t.toLowerCase()));
}

function makeObject(name: string, el: XmlElement): ObjectTag {
  const attrs = { ...el.attrs };
  const value = el.attrs.valueList ?? el.attrs.value ?? null;
  return {
    kind: 'object',
    name,
    type: el.tag,
    attrs,
    value,
    valueType: el.attrs.valueType ?? el.attrs.valuetype ?? null,
    valueName: value === null ? null : value.replace(/^\$/, ''),
    valueIsVariable: value !== null && /^\$[^, ]+$/.test(value),
  };
}

/**
 * A parsed label config, the TypeScript counterpart of Python's `LabelInterface`: its controls and objects,
 * lookups such as `getFirstTagOccurrence('Choices', 'Text')`, and prediction validation.
 */
export class LabelInterface {
  /** The XML text this was built from. */
  readonly config: string;
  /** Exactly what Python's `parse_config` returns for this config. */
  readonly parsed: ParsedLabelConfig;
  /** Controls in document order; Chat/ReactCode self-referencing controls the SDK adds come last. */
  readonly controls: readonly ControlTag[];
  /** Objects in document order of first appearance. */
  readonly objects: readonly ObjectTag[];
  private readonly controlsByName: ReadonlyMap<string, ControlTag>;
  private readonly objectsByName: ReadonlyMap<string, ObjectTag>;

  /** Throws `LabelConfigError` for malformed XML, and for `""` ("Document is empty"), like Python. */
  constructor(config: string) {
    const elements = parseXmlElements(config);
    this.config = config;
    this.parsed = parsedConfigFromElements(elements);

    // Same classification as parse_config; a later element with the same name wins, the position stays.
    const controlEls = new Map<string, XmlElement>();
    const objectEls = new Map<string, XmlElement>();
    for (const el of elements) {
      const name = el.attrs.name;
      if (name === undefined || name === '') continue;
      if (isControlElement(el)) controlEls.set(name, el);
      else if (isObjectElement(el)) objectEls.set(name, el);
      else if (el.tag.toLowerCase() in SELF_REFERENCING) objectEls.set(name, el); // completed below
    }

    const objects = new Map<string, ObjectTag>();
    for (const [name, el] of objectEls) objects.set(name, makeObject(name, el));

    // Python fills the missing side of Chat/ReactCode tags: a control needs an object and vice versa.
    const synthesized: Array<[string, string]> = [];
    for (const [name, el] of [...objectEls, ...controlEls]) {
      const controlType = SELF_REFERENCING[el.tag.toLowerCase()];
      if (controlType === undefined) continue;
      if (!controlEls.has(name) && !synthesized.some(([n]) => n === name)) synthesized.push([name, controlType]);
      if (!objects.has(name)) objects.set(name, makeObject(name, el));
    }

    const controls = new Map<string, ControlTag>();
    for (const [name, el] of controlEls) {
      const parsedControl = Object.getOwnPropertyDescriptor(this.parsed, name)?.value as ParsedControl | undefined;
      const toName = (el.attrs.toName ?? '').split(',');
      const value = el.attrs.value;
      controls.set(
        name,
        new ControlTag(
          name,
          el.tag,
          toName,
          { ...el.attrs },
          toName.flatMap((n) => objects.get(n) ?? []),
          parsedControl?.labels ?? [],
          parsedControl?.labels_attrs ?? {},
          (value !== undefined && value.startsWith('$')) || Boolean(el.attrs.apiUrl),
          parsedControl?.conditionals,
        ),
      );
    }
    for (const [name, type] of synthesized) {
      const attrs: Record<string, string> = {};
      setOwn(attrs, 'name', name);
      setOwn(attrs, 'toName', name);
      const linked = objects.get(name);
      controls.set(name, new ControlTag(name, type, [name], attrs, linked ? [linked] : [], [], {}, false, undefined));
    }

    this.controlsByName = controls;
    this.objectsByName = objects;
    this.controls = [...controls.values()];
    this.objects = [...objects.values()];
  }

  /** Labels per control name, alias-aware, in document order. */
  get labels(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const c of this.controls) setOwn(out, c.name, [...c.labels]);
    return out;
  }

  /** The control tag named `name`, if there is one. */
  findControl(name: string): ControlTag | undefined {
    return this.controlsByName.get(name);
  }

  /** The object tag named `name`, if there is one. */
  findObject(name: string): ObjectTag | undefined {
    return this.objectsByName.get(name);
  }

  /** Python `get_control`: the named control (throws if unknown), or the only control when no name is given. */
  getControl(name?: string): ControlTag {
    return pickTag(name, this.controlsByName);
  }

  /** Python `get_object`: the named object (throws if unknown), or the only object when no name is given. */
  getObject(name?: string): ObjectTag {
    return pickTag(name, this.objectsByName);
  }

  /** Python `get_tag`: a control or object by name. */
  getTag(name: string): Tag {
    const tag = this.controlsByName.get(name) ?? this.objectsByName.get(name);
    if (!tag) throw new Error(`Tag with name ${name} not found`);
    return tag;
  }

  /**
   * Python `get_first_tag_occurence`: the first control of `controlType` (document order) linked to an
   * object of `objectType` (in `toName` order). Types compare case-insensitively; an array works like a
   * Python tuple of types. Returns `[fromName, toName, value]` with the object's value minus its `$`.
   * Throws `LabelConfigError` (name `ValueError`, like Python) when nothing matches.
   */
  getFirstTagOccurrence(
    controlType: string | readonly string[],
    objectType: string | readonly string[],
    filters: FirstTagFilters = {},
  ): [fromName: string, toName: string, value: string] {
    const controlTypes = lowerSet(controlType);
    const objectTypes = lowerSet(objectType);
    for (const control of this.controls) {
      if (!controlTypes.has(control.type.toLowerCase())) continue;
      if (filters.nameFilter && !filters.nameFilter(control.name.toLowerCase())) continue;
      for (const object of control.objects) {
        if (!objectTypes.has(object.type.toLowerCase())) continue;
        if (filters.toNameFilter && !filters.toNameFilter(object.name.toLowerCase())) continue;
        return [control.name, object.name, object.valueName ?? ''];
      }
    }
    throw new LabelConfigError(
      'value',
      `No control tag of type ${formatTagTypes(controlType)} and object tag of type ${formatTagTypes(objectType)} found in label config`,
    );
  }
}

function pickTag<T>(name: string | undefined, store: ReadonlyMap<string, T>): T {
  if (name !== undefined) {
    const tag = store.get(name);
    if (tag === undefined) {
      throw new Error(`Name ${name} is not found, available names: dict_keys([${[...store.keys()].map(pyRepr).join(', ')}])`);
    }
    return tag;
  }
  if (store.size > 1) throw new Error('Multiple object tags connected, you should specify name');
  const only = store.values().next();
  if (only.done) throw new Error('No tags of this kind in the label config');
  return only.value;
}

/**
 * `label_studio_ml.utils.get_single_tag_keys`: for configs with exactly one control of `controlType`
 * linked to exactly one object of `objectType`, returns `[fromName, toName, value, labels]`.
 * Throws (Python: AssertionError) otherwise.
 */
export function getSingleTagKeys(
  parsed: ParsedLabelConfig,
  controlType: string,
  objectType: string,
): [fromName: string, toName: string, value: string, labels: string[]] {
  const entries = Object.entries(parsed);
  const assert = (ok: boolean, message = 'Assertion failed'): void => {
    if (!ok) throw Object.assign(new Error(message), { name: 'AssertionError' });
  };
  assert(
    entries.length === 1,
    'Please check your Labeling Interface configuration: At least one control tag should be in the labeling config.',
  );
  const [fromName, info] = entries[0] as [string, ParsedControl];
  assert(
    info.type === controlType,
    `Label config has control tag "<${info.type}>" but "<${controlType}>" is expected for this model.`,
  );
  assert(info.to_name.length === 1);
  assert(info.inputs.length === 1);
  const input = info.inputs[0] as ParsedControl['inputs'][number];
  assert(input.type === objectType);
  return [fromName, info.to_name[0] as string, input.value ?? '', info.labels];
}

/**
 * `label_studio_ml.utils.get_first_tag_keys`: the first control of `controlType` with an input of
 * `objectType` (exact, case-sensitive type names), as `[fromName, control]`, or `[null, null]`.
 */
export function getFirstTagKeys(
  parsed: ParsedLabelConfig,
  controlType: string,
  objectType: string,
): [string, ParsedControl] | [null, null] {
  for (const [fromName, info] of Object.entries(parsed)) {
    if (info.type === controlType && info.inputs.some((i) => i.type === objectType)) return [fromName, info];
  }
  return [null, null];
}
