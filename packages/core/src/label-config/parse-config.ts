/**
 * Port of the Label Studio SDK's `parse_config`
 * (`label_studio_sdk._extensions.label_studio_tools.core.label_config`), output for output.
 * The golden corpus in `test/protocol/label-configs/` pins every rule used here.
 */
import { objectFromMap } from './util.js';
import { parseXmlElements, type XmlElement } from './xml.js';

export { LabelConfigError, type LabelConfigErrorKind } from './errors.js';
export { MAX_CONFIG_LENGTH, MAX_ELEMENT_DEPTH, MAX_ENTITY_DEPTH, MAX_ENTITY_EXPANSION } from './xml.js';

/** An object (input) tag as it appears in a control's `inputs`. */
export interface ParsedInput {
  /** The tag name as written (`Text`, `Image`, ...; `{uri}Local` when namespaced). */
  type: string;
  /** The `valueType` attribute, or null. */
  valueType: string | null;
  /** `value` with every leading `$` stripped; present when the tag has a `value` attribute. */
  value?: string;
  /** `valueList` with leading `$` stripped; present only when there is no `value` attribute. */
  valueList?: string;
}

/** A control's `visibleWhen` condition, as Python's `parse_config` reports it. */
export interface ParsedConditionals {
  type: 'tag' | 'label' | 'choice';
  name: string;
}

/**
 * One control (output) tag. Key order matches Python: type, to_name, [regex], [conditionals],
 * [dynamic_labels], inputs, labels, labels_attrs.
 */
export interface ParsedControl {
  type: string;
  /** `toName.split(",")`, untrimmed. */
  to_name: string[];
  /** Repeater `indexFlag`s found in `to_name`, each mapped to `".*"`. */
  regex?: Record<string, string>;
  conditionals?: ParsedConditionals;
  dynamic_labels?: true;
  /** The objects named in `to_name` that exist, in `to_name` order. */
  inputs: ParsedInput[];
  /** Label keys (`alias`, else `value`, else `valueList`) in document order. */
  labels: string[];
  /** Every attribute of each label tag, as strings, keyed like `labels`. */
  labels_attrs: Record<string, Record<string, string>>;
}

/** `parse_config` output: control name → control, in document order of first appearance. */
export type ParsedLabelConfig = Record<string, ParsedControl>;

const LABEL_TAGS = new Set(['Label', 'Choice', 'Relation']);
const NOT_CONTROL_TAGS = new Set(['Filter']);
const DYNAMIC_VALUE_RE = /^\$[A-Za-z_]+$/;

/** Python truthiness of an optional attribute value. */
function truthy(v: string | undefined): v is string {
  return v !== undefined && v !== '';
}

/** Control test shared with LabelInterface: non-empty `name` and `toName`, and the tag is not `Filter`. */
export function isControlElement(el: XmlElement): boolean {
  return truthy(el.attrs.name) && truthy(el.attrs.toName) && !NOT_CONTROL_TAGS.has(el.tag);
}

/** Object test: non-empty `name` and a non-empty `value` or `valueList` (checked after the control test). */
export function isObjectElement(el: XmlElement): boolean {
  return truthy(el.attrs.name) && (truthy(el.attrs.value) || truthy(el.attrs.valueList));
}

function lstripDollar(v: string): string {
  return v.replace(/^\$+/, '');
}

interface ControlDraft {
  type: string;
  to_name: string[];
  regex?: Record<string, string>;
  conditionals?: ParsedConditionals;
  dynamic_labels?: true;
}

/** `parse_config` over an already-parsed element list (document order). */
export function parsedConfigFromElements(elements: readonly XmlElement[]): ParsedLabelConfig {
  const inputs = new Map<string, ParsedInput>();
  const outputs = new Map<string, ControlDraft>();
  const labels = new Map<string, Map<string, Readonly<Record<string, string>>>>();
  // Repeater index flags seen so far; they stay in force for the rest of the document.
  const variables: string[] = [];

  for (const el of elements) {
    const a = el.attrs;
    const indexFlag = a.indexFlag;
    if (indexFlag !== undefined) variables.push(indexFlag);

    if (isControlElement(el)) {
      const info: ControlDraft = { type: el.tag, to_name: (a.toName as string).split(',') };
      for (const v of variables) {
        for (const toName of info.to_name) {
          if (toName.includes(v)) (info.regex ??= {})[v] = '.*';
        }
      }
      if (a.perRegion === 'true') {
        const whenTag = a.whenTagName;
        const whenLabel = a.whenLabelValue;
        const whenChoice = a.whenChoiceValue;
        if (truthy(whenTag)) info.conditionals = { type: 'tag', name: whenTag };
        else if (truthy(whenLabel)) info.conditionals = { type: 'label', name: whenLabel };
        else if (truthy(whenChoice)) info.conditionals = { type: 'choice', name: whenChoice };
      }
      if (DYNAMIC_VALUE_RE.test(a.value ?? '') || truthy(a.apiUrl)) info.dynamic_labels = true;
      // A repeated name replaces the entry but keeps the first position (Python dict semantics = Map).
      outputs.set(a.name as string, info);
    } else if (isObjectElement(el)) {
      const input: ParsedInput = { type: el.tag, valueType: a.valueType ?? null };
      const value = a.value;
      if (value !== undefined) input.value = lstripDollar(value);
      else input.valueList = lstripDollar(a.valueList as string);
      inputs.set(a.name as string, input);
    }

    if (!LABEL_TAGS.has(el.tag)) continue;
    const parent = parentControlName(el, outputs);
    if (parent === null) continue;
    const key = truthy(a.alias) ? a.alias : truthy(a.value) ? a.value : truthy(a.valueList) ? a.valueList : undefined;
    if (key === undefined) continue; // Python logs at DEBUG and skips label tags without text.
    let perControl = labels.get(parent);
    if (!perControl) labels.set(parent, (perControl = new Map()));
    perControl.set(key, a); // copied to a plain object below
  }

  const result = new Map<string, ParsedControl>();
  for (const [name, draft] of outputs) {
    const perControl = labels.get(name) ?? new Map<string, Readonly<Record<string, string>>>();
    const controlInputs: ParsedInput[] = [];
    for (const toName of draft.to_name) {
      const input = inputs.get(toName);
      if (input) controlInputs.push({ ...input });
    }
    result.set(name, {
      ...draft,
      inputs: controlInputs,
      labels: [...perControl.keys()],
      labels_attrs: copyLabelsAttrs(perControl),
    });
  }
  return objectFromMap(result);
}

function copyLabelsAttrs(perControl: ReadonlyMap<string, Readonly<Record<string, string>>>): Record<string, Record<string, string>> {
  const copy = new Map<string, Record<string, string>>();
  // Spread defines own data properties, so even a `__proto__` attribute stays a plain key.
  for (const [key, attrs] of perControl) copy.set(key, { ...attrs });
  return objectFromMap(copy);
}

/** Nearest ancestor whose `name` is an already-known control (any element, any depth). */
function parentControlName(el: XmlElement, outputs: ReadonlyMap<string, unknown>): string | null {
  for (let p = el.parent; p !== null; p = p.parent) {
    const name = p.attrs.name;
    if (name !== undefined && outputs.has(name)) return name;
  }
  return null;
}

/**
 * Parses a Label Studio labeling config exactly like the Python SDK's `parse_config`.
 * `""`, null and undefined give `{}`. Malformed XML throws `LabelConfigError` (kind `syntax`, name
 * `LabelStudioXMLSyntaxErrorSentryIgnored`); an XML declaration with `encoding=` throws kind `value`
 * (Python's `ValueError`); inputs over the safety limits throw kind `limit`.
 */
export function parseConfig(xml: string | null | undefined): ParsedLabelConfig {
  if (xml === null || xml === undefined || xml === '') return {};
  return parsedConfigFromElements(parseXmlElements(xml));
}
