import { LabelInterface } from './label-interface.js';
import type { ParsedLabelConfig } from './parse-config.js';
import { setOwn } from './util.js';

interface ControlLabels {
  labels: readonly string[];
  attrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

function controlLabels(source: LabelInterface | ParsedLabelConfig, tagName: string): ControlLabels {
  if (source instanceof LabelInterface) {
    const control = source.getControl(tagName);
    return { labels: control.labels, attrs: control.labelsAttrs };
  }
  const control = Object.hasOwn(source, tagName) ? source[tagName] : undefined;
  if (!control) {
    throw new Error(`Name ${tagName} is not found, available names: ${Object.keys(source).join(', ')}`);
  }
  return { labels: control.labels, attrs: control.labels_attrs };
}

/**
 * Maps a model's class names to the labels of control `tagName` (Python `LabelStudioMLBase.build_label_map`).
 *
 * For each config label in document order: every comma-separated, trimmed entry of its
 * `predicted_values` attribute that is one of `modelNames` maps to the label. If none matched, the label
 * maps to itself when it is a model name exactly, else `label.toLowerCase()` maps to it when the model
 * has that name case-insensitively (Python quirk: the key is the lower-cased *config* label, not the
 * model's spelling). Labels that match nothing are left out. Throws if `tagName` is not a control.
 */
export function buildLabelMap(
  source: LabelInterface | ParsedLabelConfig,
  tagName: string,
  modelNames: readonly string[],
): Record<string, string> {
  const { labels, attrs: labelsAttrs } = controlLabels(source, tagName);
  const names = new Set(modelNames);
  const lowerNames = new Set(modelNames.map((n) => n.toLowerCase()));
  const map: Record<string, string> = {};

  // The `labels` array keeps document order even for integer-like labels (object keys would not).
  for (const label of labels) {
    const attrs = Object.getOwnPropertyDescriptor(labelsAttrs, label)?.value as Record<string, string> | undefined;
    let matched = false;
    for (const part of (attrs?.predicted_values ?? '').split(',')) {
      // Python's str.strip(): white space at both ends.
      const value = part.trim();
      if (value && names.has(value)) {
        setOwn(map, value, label);
        matched = true;
      }
    }
    if (matched) continue;
    if (names.has(label)) setOwn(map, label, label);
    else if (lowerNames.has(label.toLowerCase())) setOwn(map, label.toLowerCase(), label);
  }
  return map;
}
