// <Labels> spans over a <Text> ← tagged spans (NER, token classification).
import { LabelConfigMismatchError } from '../errors.js';
import type { BoundHead, HeadBinding, HeadRequest, TaskHead } from '../contract/head.js';
import type { TextInput } from '../contract/inputs.js';
import { entityTypes } from '../contract/entity-grouping.js';
import { findConfigLabel, mapLabels } from '../contract/labels.js';
import type { SpansOutput } from '../contract/outputs.js';
import { textOf } from '../contract/text.js';
import { toCodePointOffset } from '../protocol/text-offsets.js';
import type { Annotation, PredictionValue, ResultItem, Task } from '../protocol/types.js';
import { clampScore, findHeadTarget, numberParam } from './head-targets.js';

/** Options of `spansHead`. */
export interface SpansHeadOptions {
  /** The control to fill (default: the first `<Labels>` over a `<Text>`). */
  readonly control?: string;
  /** Drop spans scoring below this (default 0); extra_params `threshold` overrides it. */
  readonly threshold?: number;
  /** Model labels that are not entities (default `['O']`), left out of the label mapping. */
  readonly ignoreLabels?: readonly string[];
}

/**
 * The head for `<Labels>` over a `<Text>`: each span the runtime finds becomes a `labels` region with
 * `start`/`end` in code points (Label Studio counts `<Text>` offsets like Python, not in UTF-16 units)
 * and the covered `text`. Entity types map to the config's labels (`predicted_values` honoured; a
 * model's `B-PER`/`I-PER` tags count as `PER`). `<HyperText>` needs XPath offsets
 * (`<HyperTextLabels>`), which this head does not produce.
 *
 * ```ts
 * export default backend({ runtime: transformersRuntime({ task: 'token-classification', model }), head: spansHead() });
 * ```
 */
export function spansHead(options: SpansHeadOptions = {}): TaskHead<'text', 'spans'> {
  return {
    name: 'spans',
    input: 'text',
    output: 'spans',
    bind(binding: HeadBinding): BoundHead<'text', 'spans'> {
      const { control, object, field } = findHeadTarget(binding.labelInterface, ['Labels'], ['Text'], options.control);
      const li = binding.labelInterface!;
      const where = `<${control.type} name="${control.name}">`;
      let labelMap: Readonly<Record<string, string>> | undefined;
      if (binding.runtime.labels && !control.dynamicLabels) {
        const types = entityTypes(binding.runtime.labels, options.ignoreLabels ?? ['O']);
        const mapping = mapLabels(li, control.name, types);
        if (Object.keys(mapping.map).length === 0) {
          throw new LabelConfigMismatchError(
            `No label of ${where} matches an entity type of this model (model types: ${types.join(', ')}; config labels: ${control.labels.join(', ') || 'none'}). ` +
              `Name the config labels after the model's types, or add predicted_values="<type>" to them.`,
          );
        }
        if (mapping.unmapped.length > 0) binding.logger.warn({ control: control.name, unmapped: mapping.unmapped }, 'Entity types without a config label are never predicted');
        labelMap = mapping.map;
      }
      const lookup = (label: string): string | undefined => {
        if (labelMap) return findConfigLabel(labelMap, label);
        if (control.acceptsLabel(label)) return label;
        return findConfigLabel(mapLabels(li, control.name, [label]).map, label);
      };
      return {
        fromName: control.name,
        toName: object.name,
        field,
        labels: [...control.labels],
        toInput(task: Task): TextInput {
          return { kind: 'text', text: textOf(task, field) };
        },
        toPrediction(output: SpansOutput, input: TextInput, _task, request: HeadRequest): PredictionValue {
          const threshold = numberParam(request.extraParams.threshold, options.threshold ?? 0);
          const text = input.text;
          const scores: number[] = [];
          const result = output.spans.flatMap((span): ResultItem[] => {
            const label = lookup(span.label);
            const score = clampScore(span.score);
            // Spans outside the text or empty cannot be shown; a runtime bug must not fail the batch.
            if (label === undefined || score < threshold || !(span.start >= 0 && span.end > span.start && span.end <= text.length)) return [];
            scores.push(score);
            return [
              {
                from_name: control.name,
                to_name: object.name,
                type: 'labels',
                value: { start: toCodePointOffset(text, span.start), end: toCodePointOffset(text, span.end), text: text.slice(span.start, span.end), labels: [label] },
                score,
              },
            ];
          });
          const score = scores.length > 0 ? scores.reduce((a, b) => a + b, 0) / scores.length : 0;
          return { score, result };
        },
        labelsOf(annotation: Annotation): string[] | null {
          const labels = (annotation.result ?? []).flatMap((item) => {
            if (!('from_name' in item) || item.from_name !== control.name) return [];
            const l = (item.value as { labels?: unknown } | undefined)?.labels;
            return Array.isArray(l) ? l.filter((x): x is string => typeof x === 'string') : [];
          });
          return labels.length > 0 ? [...new Set(labels)] : null;
        },
      };
    },
  };
}
