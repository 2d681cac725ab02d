// Model class names ↔ the label config's labels: one lookup for every head and adapter.
import { buildLabelMap } from '../label-config/build-label-map.js';
import type { LabelInterface } from '../label-config/label-interface.js';

/**
 * The config label for a model label in a `buildLabelMap` result (`predicted_values` included).
 * `buildLabelMap` keys a case-insensitive match by the lower-cased *config* label (Python's quirk),
 * so the model's spelling is tried as it is, then lower-cased.
 *
 * ```ts
 * const map = buildLabelMap(li, 'sentiment', ['POSITIVE', 'NEGATIVE']);
 * findConfigLabel(map, 'POSITIVE'); // 'Positive' (config label), or undefined when none matches
 * ```
 */
export function findConfigLabel(labelMap: Readonly<Record<string, string>>, modelLabel: string): string | undefined {
  if (Object.hasOwn(labelMap, modelLabel)) return labelMap[modelLabel];
  const lower = modelLabel.toLowerCase();
  return Object.hasOwn(labelMap, lower) ? labelMap[lower] : undefined;
}

/** What `mapLabels` found: the map, and the model labels no config label takes. */
export interface LabelMapping {
  /** `buildLabelMap` result: look labels up with `findConfigLabel`. */
  readonly map: Readonly<Record<string, string>>;
  /** Model labels without a config label (never predicted). */
  readonly unmapped: readonly string[];
}

/**
 * Map a model's labels to the labels of `control` (`predicted_values` honoured). Does not throw: a
 * head decides whether an empty mapping is a misfit label config.
 */
export function mapLabels(li: LabelInterface, control: string, modelLabels: readonly string[]): LabelMapping {
  const map = buildLabelMap(li, control, [...modelLabels]);
  return { map, unmapped: modelLabels.filter((l) => findConfigLabel(map, l) === undefined) };
}
