// What the image heads (rectangles, keypoints, brush) share: reading the task's image as the runtime
// wants it, model labels → config labels, and model pixels → Label Studio percentages of the ORIGINAL
// image (Label Studio measures every region in percent of the image as its editor shows it).
import { LabelConfigMismatchError } from '../errors.js';
import type { HeadBinding, HeadRequest } from '../contract/head.js';
import type { ImageInput } from '../contract/inputs.js';
import { findConfigLabel, mapLabels } from '../contract/labels.js';
import type { ControlTag, LabelInterface } from '../label-config/label-interface.js';
import type { GetLocalPathOptions } from '../media/get-local-path.js';
import type { Task } from '../protocol/types.js';
import { readTaskImage, type ImageDecoder } from './image-input.js';

/** Options every image head takes: how the task's image is fetched and decoded. */
export interface ImageHeadMediaOptions {
  /** How a task's image file becomes pixels (default: `decodeImage`, which needs `sharp`). */
  readonly decodeImage?: ImageDecoder;
  /** Passed to `getLocalPath` (Label Studio URL, token, cache dir …). */
  readonly media?: GetLocalPathOptions;
}

/** The task's image, decoded to the runtime's `image` spec; `TaskInputError` when it cannot be read. */
export function readHeadImage(binding: HeadBinding, field: string, options: ImageHeadMediaOptions, task: Task, request: HeadRequest): Promise<ImageInput> {
  return readTaskImage(task, field, binding.runtime.image ?? {}, {
    ...(options.decodeImage ? { decode: options.decodeImage } : {}),
    ...(options.media ? { media: options.media } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
}

/**
 * Model label → config label of `control` (`predicted_values` honoured). With a model label list
 * (`RuntimeInfo.labels`) the mapping is built once and a config that takes none of them is a
 * `LabelConfigMismatchError`; without one (or with dynamic labels) each label is looked up as it comes.
 */
export function labelLookup(binding: HeadBinding, li: LabelInterface, control: ControlTag, modelLabels: readonly string[] | undefined): (label: string) => string | undefined {
  const where = `<${control.type} name="${control.name}">`;
  if (modelLabels && modelLabels.length > 0 && !control.dynamicLabels) {
    const mapping = mapLabels(li, control.name, modelLabels);
    if (Object.keys(mapping.map).length === 0) {
      throw new LabelConfigMismatchError(
        `No label of ${where} matches a class of this model (model classes: ${modelLabels.join(', ')}; config labels: ${control.labels.join(', ') || 'none'}). ` +
          `Name the config labels after the model's classes, or add predicted_values="<class>" to them.`,
      );
    }
    if (mapping.unmapped.length > 0) binding.logger.warn({ control: control.name, unmapped: mapping.unmapped }, 'Model classes without a config label are never predicted');
    return (label) => findConfigLabel(mapping.map, label);
  }
  const cache = new Map<string, string | undefined>();
  return (label) => {
    if (!cache.has(label)) {
      cache.set(label, control.acceptsLabel(label) ? label : findConfigLabel(mapLabels(li, control.name, [label]).map, label));
    }
    return cache.get(label);
  };
}

/** Model-input pixels → original-image pixels (inverse of the decoder's resize / letterbox). */
export function toOriginal(input: ImageInput, x: number, y: number): { x: number; y: number } {
  const t = input.transform;
  return { x: (x - t.offsetX) / t.scaleX, y: (y - t.offsetY) / t.scaleY };
}

/** Clamp into [min, max]. */
export function clamp(v: number, min: number, max: number): number {
  return v < min ? min : v > max ? max : v;
}

/** Original pixels → percent of the original size, rounded to 1e-6 % (stable JSON, sub-pixel exact). */
export function percent(v: number, size: number): number {
  return Math.round((v / size) * 100 * 1e6) / 1e6;
}

/** The image metadata every image region carries. */
export function imageMeta(input: ImageInput): { original_width: number; original_height: number; image_rotation: number } {
  return { original_width: input.originalWidth, original_height: input.originalHeight, image_rotation: 0 };
}

/** The mean of region scores as the prediction's score (0 for no region). */
export function meanScore(scores: readonly number[]): number {
  return scores.length === 0 ? 0 : scores.reduce((a, b) => a + b, 0) / scores.length;
}

/**
 * The other control of `types` over the same image (e.g. a RectangleLabels next to KeyPointLabels),
 * or undefined.
 */
export function siblingControl(li: LabelInterface, objectName: string, types: readonly string[]): ControlTag | undefined {
  const wanted = new Set(types.map((t) => t.toLowerCase()));
  return li.controls.find((c) => wanted.has(c.type.toLowerCase()) && c.toName.includes(objectName));
}
