// <Choices> / <Taxonomy> ← class scores: text or image classification, zero-shot included.
import { LabelConfigMismatchError } from '../errors.js';
import type { BoundHead, HeadBinding, HeadRequest, TaskHead } from '../contract/head.js';
import type { ImageInput, InputOf, TextInput } from '../contract/inputs.js';
import { findConfigLabel, mapLabels } from '../contract/labels.js';
import type { ClassesOutput } from '../contract/outputs.js';
import { textOf } from '../contract/text.js';
import type { LabelInterface } from '../label-config/label-interface.js';
import { parseXmlElements, type XmlElement } from '../label-config/xml.js';
import type { GetLocalPathOptions } from '../media/get-local-path.js';
import type { Annotation, PredictionValue, Task } from '../protocol/types.js';
import { clampScore, findHeadTarget, numberParam } from './head-targets.js';
import { readTaskImage, type ImageDecoder } from './image-input.js';

/** Options of `choicesHead`. */
export interface ChoicesHeadOptions {
  /** The control to fill (default: the first `<Choices>`/`<Taxonomy>` over a fitting object). */
  readonly control?: string;
  /**
   * `<Choices choice="multiple">`: one prediction with every label scoring at least this (default 0.5).
   * extra_params `threshold` overrides it. Single-choice controls always take the best label.
   */
  readonly threshold?: number;
  /**
   * Single choice: predictions per task, best first (default 1; Label Studio shows the first). extra_params
   * `top_k` overrides it.
   */
  readonly topK?: number;
  /** Images: how a task's image file becomes pixels (default: `sharp`, an optional dependency). */
  readonly decodeImage?: ImageDecoder;
  /** Images: passed to `getLocalPath` (Label Studio URL, token, cache dir …). */
  readonly media?: GetLocalPathOptions;
}

const TEXT_OBJECTS = ['Text', 'HyperText'] as const;
const IMAGE_OBJECTS = ['Image'] as const;

/**
 * The head for `<Choices>` and `<Taxonomy>` controls over a `<Text>`, `<HyperText>` or `<Image>`: it
 * reads the object the runtime's input kind fits (text runtimes a Text/HyperText, image runtimes an
 * Image), maps the model's classes to the config's labels (`predicted_values` honoured), and predicts
 * the best label (single choice) or every label over a threshold (`choice="multiple"`), with its score.
 * Zero-shot runtimes (`candidateLabels`) are given the config's labels to score.
 *
 * ```ts
 * export default backend({ runtime: onnxRuntime({ model: './sentiment.onnx', labels, featurize }), head: choicesHead() });
 * ```
 */
export function choicesHead(options: ChoicesHeadOptions = {}): TaskHead<'text' | 'image', 'classes'> {
  return {
    name: 'choices',
    input: 'text',
    output: 'classes',
    bind(binding: HeadBinding): BoundHead<'text' | 'image', 'classes'> {
      const image = binding.runtime.input === 'image';
      const controlTypes = ['Choices', 'Taxonomy'];
      const target = findHeadTarget(binding.labelInterface, controlTypes, image ? IMAGE_OBJECTS : TEXT_OBJECTS, options.control);
      const li = binding.labelInterface!;
      const { control, object, field } = target;
      const configLabels = [...control.labels];
      const where = `<${control.type} name="${control.name}">`;
      let candidateLabels: readonly string[] | undefined;
      let labelMap: Readonly<Record<string, string>> | undefined;
      if (binding.runtime.candidateLabels) {
        // Zero-shot: the model scores exactly the config's labels.
        if (configLabels.length === 0) throw new LabelConfigMismatchError(`This zero-shot model scores the labels of ${where}, which has none`);
        candidateLabels = configLabels;
        labelMap = Object.fromEntries(configLabels.map((l) => [l, l]));
      } else if (binding.runtime.labels && !control.dynamicLabels) {
        const modelLabels = binding.runtime.labels;
        const mapping = mapLabels(li, control.name, modelLabels);
        if (Object.keys(mapping.map).length === 0) {
          throw new LabelConfigMismatchError(
            `No label of ${where} matches a class of this model (model classes: ${modelLabels.join(', ')}; config labels: ${configLabels.join(', ') || 'none'}). ` +
              `Name the config labels after the model's classes, or add predicted_values="<class>" to them.`,
          );
        }
        if (mapping.unmapped.length > 0) binding.logger.warn({ control: control.name, unmapped: mapping.unmapped }, 'Model classes without a config label are never predicted');
        labelMap = mapping.map;
      }
      const multiple = control.attrs.choice === 'multiple';
      const taxonomy = control.regionType === 'taxonomy';
      const paths = taxonomy ? taxonomyPaths(li, control.name) : new Map<string, string[]>();
      // Without a model label list (or with dynamic labels), each class is looked up as it comes.
      const lookup = (modelLabel: string): string | undefined => {
        if (labelMap) return findConfigLabel(labelMap, modelLabel);
        if (control.acceptsLabel(modelLabel)) return modelLabel;
        return findConfigLabel(mapLabels(li, control.name, [modelLabel]).map, modelLabel);
      };
      const region = (labels: string[], score: number): PredictionValue => ({
        score,
        result: [
          {
            from_name: control.name,
            to_name: object.name,
            type: control.regionType,
            // A Taxonomy value is a list of paths from the root to the chosen node.
            value: taxonomy ? { taxonomy: labels.map((l) => paths.get(l) ?? [l]) } : { choices: labels },
            score,
          },
        ],
      });

      return {
        fromName: control.name,
        toName: object.name,
        field,
        labels: configLabels,
        async toInput(task: Task, request: HeadRequest): Promise<InputOf<'text' | 'image'>> {
          if (image) {
            const spec = binding.runtime.image ?? {};
            const img: ImageInput = await readTaskImage(task, field, spec, {
              ...(options.decodeImage ? { decode: options.decodeImage } : {}),
              ...(options.media ? { media: options.media } : {}),
              ...(request.signal ? { signal: request.signal } : {}),
            });
            return candidateLabels ? { ...img, candidateLabels } : img;
          }
          const input: TextInput = { kind: 'text', text: textOf(task, field), ...(candidateLabels ? { candidateLabels } : {}) };
          return input;
        },
        toPrediction(output: ClassesOutput, _input, _task, request: HeadRequest): PredictionValue | PredictionValue[] | null {
          const known = [...output.classes]
            .sort((a, b) => b.score - a.score)
            .flatMap((c) => {
              const label = lookup(c.label);
              return label === undefined ? [] : [{ label, score: clampScore(c.score) }];
            });
          // Best first, one entry per config label (two classes may map to one label).
          const seen = new Set<string>();
          const ranked = known.filter((k) => !seen.has(k.label) && seen.add(k.label));
          if (ranked.length === 0) return { score: 0, result: [] };
          if (multiple) {
            const threshold = numberParam(request.extraParams.threshold, options.threshold ?? 0.5);
            const over = ranked.filter((k) => k.score >= threshold);
            if (over.length === 0) return { score: 0, result: [] };
            return region(
              over.map((k) => k.label),
              Math.min(...over.map((k) => k.score)),
            );
          }
          const topK = Math.max(1, Math.floor(numberParam(request.extraParams.top_k, options.topK ?? 1)));
          const best = ranked.slice(0, topK).map((k) => region([k.label], k.score));
          return best.length === 1 ? (best[0] as PredictionValue) : best;
        },
        labelsOf(annotation: Annotation): string[] | null {
          for (const item of annotation.result ?? []) {
            if (!('from_name' in item) || item.from_name !== control.name) continue;
            const value = item.value as { choices?: unknown; taxonomy?: unknown } | undefined;
            if (taxonomy && Array.isArray(value?.taxonomy)) {
              // The leaf of each chosen path.
              const leaves = (value.taxonomy as unknown[]).flatMap((path) => (Array.isArray(path) && typeof path[path.length - 1] === 'string' ? [path[path.length - 1] as string] : []));
              return leaves.length > 0 ? leaves : null;
            }
            if (Array.isArray(value?.choices)) {
              const labels = (value.choices as unknown[]).filter((c): c is string => typeof c === 'string');
              return labels.length > 0 ? labels : null;
            }
          }
          return null;
        },
      };
    },
  };
}

/**
 * For each node of a `<Taxonomy>`, its path from the root (`<Choice>` values, alias first), so a
 * model class naming a nested node becomes the path Label Studio expects.
 */
function taxonomyPaths(li: LabelInterface, control: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const elements = parseXmlElements(li.config);
  const root = elements.find((e) => e.tag.toLowerCase() === 'taxonomy' && e.attrs.name === control);
  if (!root) return out;
  const key = (e: XmlElement) => e.attrs.alias ?? e.attrs.value;
  for (const el of elements) {
    if (el.tag.toLowerCase() !== 'choice') continue;
    const path: string[] = [];
    let inside = false;
    for (let at: XmlElement | null = el; at; at = at.parent) {
      if (at === root) {
        inside = true;
        break;
      }
      if (at.tag.toLowerCase() === 'choice') {
        const k = key(at);
        if (k !== undefined) path.unshift(k);
      }
    }
    const label = key(el);
    if (inside && label !== undefined && !out.has(label)) out.set(label, path);
  }
  return out;
}
