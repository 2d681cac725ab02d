// The OCR head: RectangleLabels (or Rectangle) + a per-region TextArea over one Image. Batch prediction
// reads the whole image and writes one box + transcription per line (or word); an interactive request
// (the annotator drew a box) reads only that box and writes the transcription of that region.
import { randomBytes } from 'node:crypto';
import {
  LabelConfigMismatchError,
  TaskInputError,
  clampScore,
  findHeadTarget,
  readTaskImage,
  type BoundHead,
  type GetLocalPathOptions,
  type HeadBinding,
  type HeadRequest,
  type ImageInput,
  type PredictionValue,
  type ResultItem,
  type TaskHead,
  type Task,
  type TextOutput,
} from '@lsml/core';
import sharp from 'sharp';

/** Options of `ocrHead`. */
export interface OcrHeadOptions {
  /** The RectangleLabels label of predicted boxes (default: extra param `label`, else the config's first label). */
  readonly label?: string;
  /** The RectangleLabels / TextArea control names, when the config has several. */
  readonly rectangleName?: string;
  readonly textareaName?: string;
  /** Passed to the media module (Label Studio URL, token, cache dir) to resolve task image URLs. */
  readonly media?: GetLocalPathOptions;
  /**
   * Interactive boxes lower than this many pixels are upscaled (up to 4×) before recognition: a drawn
   * box usually holds one line, and Tesseract reads best at 20–40 px capital height. Default 64.
   */
  readonly minHeight?: number;
  /**
   * Whole images whose longer side is below this many pixels are upscaled (up to 4×): small scans carry
   * small glyphs. Larger images are read as they are (upscaling them costs time and gains nothing).
   * Default 500.
   */
  readonly minSide?: number;
}

/** A rectangle in percent of the original image, as Label Studio sends and stores it. */
interface PercentRect {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly rotation: number;
  /** The context's result item, as the editor sent it. */
  readonly item: ResultItem;
}

/** The rectangle the annotator drew (§5.5: the context holds the region(s) just created), if any. */
export function contextRectangle(request: HeadRequest): PercentRect | null {
  const result = (request.context as { result?: unknown } | null)?.result;
  if (!Array.isArray(result)) return null;
  for (let i = result.length - 1; i >= 0; i--) {
    const item = result[i] as Partial<ResultItem> & { value?: Record<string, unknown> };
    if (item.type !== 'rectanglelabels' && item.type !== 'rectangle') continue;
    const v = item.value ?? {};
    const [x, y, width, height] = [v.x, v.y, v.width, v.height].map(Number);
    if (![x, y, width, height].every((n) => Number.isFinite(n))) continue;
    const id = typeof item.id === 'string' && item.id !== '' ? item.id : newRegionId();
    return { id, x: x!, y: y!, width: width!, height: height!, rotation: Number(v.rotation) || 0, item: { ...(item as ResultItem), id } };
  }
  return null;
}

/** Label Studio's region ids: 10 URL-safe characters. */
function newRegionId(): string {
  return randomBytes(8).toString('base64url').slice(0, 10);
}

/**
 * Decode `path` (EXIF orientation applied) to 1-channel pixels, cropped to `rect` (percent of the
 * original) when given, upscaled when the text would be too small (`minHeight` for a box, `minSide`
 * for a whole image). `transform` maps back to original
 * pixels: `xOriginal = (x - offsetX) / scaleX`.
 */
export async function decodeForOcr(path: string, rect: PercentRect | null, minHeight: number, minSide = 500): Promise<ImageInput> {
  const meta = await sharp(path, { failOn: 'error' }).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  const originalWidth = (swap ? meta.height : meta.width) ?? 0;
  const originalHeight = (swap ? meta.width : meta.height) ?? 0;
  if (!(originalWidth > 0 && originalHeight > 0)) throw new Error('the image has no size');
  let left = 0;
  let top = 0;
  let width = originalWidth;
  let height = originalHeight;
  if (rect) {
    // Percent → pixels, clamped to the image: a box dragged past the edge still reads what is inside.
    left = Math.max(0, Math.floor((rect.x / 100) * originalWidth));
    top = Math.max(0, Math.floor((rect.y / 100) * originalHeight));
    const right = Math.min(originalWidth, Math.ceil(((rect.x + rect.width) / 100) * originalWidth));
    const bottom = Math.min(originalHeight, Math.ceil(((rect.y + rect.height) / 100) * originalHeight));
    width = Math.max(0, right - left);
    height = Math.max(0, bottom - top);
  }
  const [size, wanted] = rect ? [height, minHeight] : [Math.max(width, height), minSide];
  const scale = width > 0 && height > 0 && size < wanted ? Math.min(4, Math.ceil(wanted / Math.max(1, size))) : 1;
  if (width === 0 || height === 0) {
    return { kind: 'image', pixels: new Uint8Array(0), width: 0, height: 0, channels: 1, originalWidth, originalHeight, transform: { scaleX: 1, scaleY: 1, offsetX: -left, offsetY: -top } };
  }
  // rotate() before extract(): sharp then crops in the EXIF-rotated (displayed) frame, as Label Studio shows it.
  let pipeline = sharp(path, { failOn: 'error' }).rotate();
  if (rect) pipeline = pipeline.extract({ left, top, width, height });
  if (scale > 1) pipeline = pipeline.resize({ width: width * scale, height: height * scale, kernel: 'cubic' });
  const { data, info } = await pipeline.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return {
    kind: 'image',
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: info.channels as 1 | 3 | 4,
    originalWidth,
    originalHeight,
    transform: { scaleX: scale, scaleY: scale, offsetX: -left * scale, offsetY: -top * scale },
  };
}

const round = (n: number): number => Math.round(n * 1e4) / 1e4;

/**
 * RectangleLabels + per-region TextArea ← Image, for runtimes whose `text` outputs carry boxes (OCR).
 *
 * ```ts
 * export default backend({ runtime: ocrRuntime(), head: ocrHead() });
 * ```
 */
export function ocrHead(options: OcrHeadOptions = {}): TaskHead<'image', 'text'> {
  const minHeight = options.minHeight ?? 64;
  const minSide = options.minSide ?? 500;
  return {
    name: 'ocr',
    input: 'image',
    output: 'text',
    bind(binding: HeadBinding): BoundHead<'image', 'text'> {
      const rectTarget = findHeadTarget(binding.labelInterface, ['RectangleLabels', 'Rectangle'], ['Image'], options.rectangleName);
      const image = rectTarget.object;
      const textarea = binding.labelInterface?.controls.find(
        (c) => c.type.toLowerCase() === 'textarea' && c.toName.includes(image.name) && (options.textareaName === undefined || c.name === options.textareaName),
      );
      if (!textarea) {
        throw new LabelConfigMismatchError(
          `This model needs a <TextArea perRegion="true" toName="${image.name}"> for the recognised text next to <${rectTarget.control.type} name="${rectTarget.control.name}">; the label config has none`,
        );
      }
      const rectangle = rectTarget.control;
      const field = rectTarget.field;
      const labelFor = (request: HeadRequest): string | undefined => {
        const wanted = options.label ?? (typeof request.extraParams.label === 'string' ? request.extraParams.label : undefined);
        if (rectangle.type.toLowerCase() === 'rectangle') return undefined;
        if (wanted !== undefined) {
          if (!rectangle.acceptsLabel(wanted)) {
            throw new LabelConfigMismatchError(`extra param "label" = "${wanted}" is not a label of <RectangleLabels name="${rectangle.name}">: ${rectangle.labels.join(', ')}`);
          }
          return wanted;
        }
        const first = rectangle.labels[0];
        if (first === undefined) throw new LabelConfigMismatchError(`<RectangleLabels name="${rectangle.name}"> has no <Label>`);
        return first;
      };
      const sizes = (input: ImageInput) => ({ original_width: input.originalWidth, original_height: input.originalHeight, image_rotation: 0 });

      return {
        fromName: textarea.name,
        toName: image.name,
        field,
        async toInput(task: Task, request: HeadRequest): Promise<ImageInput> {
          labelFor(request);
          const rect = contextRectangle(request);
          const taskId = typeof task.id === 'number' ? task.id : undefined;
          if (rect && !(rect.width > 0 && rect.height > 0)) {
            throw new TaskInputError(`Task ${taskId ?? '(without id)'}: the drawn box has no area`, { ...(taskId !== undefined ? { taskId } : {}), field });
          }
          return readTaskImage(task, field, {}, {
            decode: (path) => decodeForOcr(path, rect, minHeight, minSide),
            ...(options.media ? { media: options.media } : {}),
            ...(request.signal ? { signal: request.signal } : {}),
          });
        },
        toPrediction(output: TextOutput, input: ImageInput, _task: Task, request: HeadRequest): PredictionValue | null {
          const rect = contextRectangle(request);
          if (rect) {
            // Interactive: the transcription of the drawn box, bound to its region by id; the geometry is
            // the drawn box's, so the editor attaches the text to that region.
            const texts = output.texts.filter((t) => t.text !== '');
            if (texts.length === 0) return null;
            const score = clampScore(texts.reduce((s, t) => s + (t.score ?? 0), 0) / texts.length);
            return {
              score,
              result: [
                {
                  id: rect.id,
                  from_name: textarea.name,
                  to_name: image.name,
                  type: 'textarea',
                  value: { x: rect.x, y: rect.y, width: rect.width, height: rect.height, rotation: rect.rotation, text: [texts.map((t) => t.text).join('\n')] },
                  score,
                  ...sizes(input),
                },
                // The drawn box itself, as the editor sent it (what the Python example returns too): the
                // editor's suggestion is then one whole region, box + label + transcription, not a
                // second label-less box holding only the text.
                rect.item,
              ],
            };
          }
          const label = labelFor(request);
          const { scaleX, scaleY, offsetX, offsetY } = input.transform;
          const result: ResultItem[] = [];
          let total = 0;
          for (const t of output.texts) {
            if (!t.box || t.text === '') continue;
            // Runtime pixels → original pixels → percent of the original image.
            const x0 = Math.max(0, (t.box.x - offsetX) / scaleX);
            const y0 = Math.max(0, (t.box.y - offsetY) / scaleY);
            const x1 = Math.min(input.originalWidth, (t.box.x + t.box.width - offsetX) / scaleX);
            const y1 = Math.min(input.originalHeight, (t.box.y + t.box.height - offsetY) / scaleY);
            if (!(x1 > x0 && y1 > y0)) continue;
            const geometry = {
              x: round((x0 / input.originalWidth) * 100),
              y: round((y0 / input.originalHeight) * 100),
              width: round(((x1 - x0) / input.originalWidth) * 100),
              height: round(((y1 - y0) / input.originalHeight) * 100),
              rotation: 0,
            };
            const score = clampScore(t.score);
            total += score;
            const id = newRegionId();
            result.push(
              {
                id,
                from_name: rectangle.name,
                to_name: image.name,
                type: rectangle.regionType,
                value: label !== undefined ? { ...geometry, rectanglelabels: [label] } : geometry,
                score,
                ...sizes(input),
              },
              { id, from_name: textarea.name, to_name: image.name, type: 'textarea', value: { ...geometry, text: [t.text] }, score, ...sizes(input) },
            );
          }
          const regions = result.length / 2;
          return { score: regions > 0 ? clampScore(total / regions) : 0, result };
        },
      };
    },
  };
}
