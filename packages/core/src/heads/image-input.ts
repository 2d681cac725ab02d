// Task image → ImageInput: the media module resolves the URL to a local file, a decoder turns it into
// pixels of the size the runtime asked for. The decoder is pluggable; the default loads `sharp` lazily
// (an optional dependency), so text-only backends never need it.
import { LsmlError, TaskInputError } from '../errors.js';
import type { ImageInput, ImageInputSpec } from '../contract/inputs.js';
import { getLocalPath, type GetLocalPathOptions } from '../media/get-local-path.js';
import type { Task } from '../protocol/types.js';

/** Decode the image file at `path` into pixels as `spec` asks (size, fit, channels). */
export type ImageDecoder = (path: string, spec: ImageInputSpec) => Promise<ImageInput>;

/** Options of `readTaskImage`. */
export interface ReadTaskImageOptions {
  /** Default: `decodeImageWithSharp` (needs the optional `sharp` package). */
  readonly decode?: ImageDecoder;
  /** Passed to `getLocalPath` (Label Studio URL, token, cache dir …). */
  readonly media?: GetLocalPathOptions;
  readonly signal?: AbortSignal;
}

/**
 * The image of `task.data[field]` as the runtime wants it. A missing field, an unreachable URL or a
 * file that does not decode is a `TaskInputError` (that task gets no prediction).
 */
export async function readTaskImage(task: Task, field: string, spec: ImageInputSpec, options: ReadTaskImageOptions = {}): Promise<ImageInput> {
  const url = task.data?.[field];
  const taskId = typeof task.id === 'number' ? task.id : undefined;
  const details = { ...(taskId !== undefined ? { taskId } : {}), field };
  if (typeof url !== 'string' || url === '') {
    throw new TaskInputError(`Task ${taskId ?? '(without id)'} has no image URL in "${field}"`, details);
  }
  let path: string;
  try {
    path = await getLocalPath(url, { ...options.media, ...(taskId !== undefined ? { taskId } : {}) });
  } catch (cause) {
    throw new TaskInputError(`Task ${taskId ?? '(without id)'}: cannot read the image "${url}" of "${field}": ${(cause as Error).message}`, { ...details, cause });
  }
  options.signal?.throwIfAborted();
  try {
    const image = await (options.decode ?? decodeImageWithSharp)(path, spec);
    return { ...image, path };
  } catch (cause) {
    if (LsmlError.is(cause) && cause.code !== 'task_input') throw cause;
    throw new TaskInputError(`Task ${taskId ?? '(without id)'}: the image of "${field}" does not decode: ${(cause as Error).message}`, { ...details, cause });
  }
}

interface SharpLike {
  (input: string, options?: Record<string, unknown>): SharpPipeline;
}
interface SharpPipeline {
  rotate(): SharpPipeline;
  metadata(): Promise<{ width?: number; height?: number; orientation?: number }>;
  resize(options: Record<string, unknown>): SharpPipeline;
  removeAlpha(): SharpPipeline;
  ensureAlpha(): SharpPipeline;
  toColourspace(space: string): SharpPipeline;
  raw(): SharpPipeline;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}

let sharpModule: Promise<SharpLike> | undefined;

async function loadSharp(): Promise<SharpLike> {
  sharpModule ??= import('sharp' as string).then(
    (m: { default?: unknown }) => (m.default ?? m) as SharpLike,
    (cause: unknown) => {
      sharpModule = undefined;
      throw new LsmlError('image_decoder_missing', 'Decoding task images needs the optional "sharp" package (npm install sharp), or pass a decodeImage function', { cause });
    },
  );
  return sharpModule;
}

/**
 * Default `ImageDecoder`: `sharp` (loaded on first use) applies EXIF orientation, resizes as `spec`
 * says (`fill` stretches, `contain` keeps the aspect ratio, `letterbox` keeps it and pads with black to
 * exactly width × height) and returns interleaved 8-bit pixels with the model → original transform.
 */
export async function decodeImageWithSharp(path: string, spec: ImageInputSpec): Promise<ImageInput> {
  const sharp = await loadSharp();
  const meta = await sharp(path).metadata();
  const rotated = (meta.orientation ?? 1) >= 5;
  const originalWidth = (rotated ? meta.height : meta.width) ?? 0;
  const originalHeight = (rotated ? meta.width : meta.height) ?? 0;
  if (!(originalWidth > 0 && originalHeight > 0)) throw new Error('the image has no size');
  const channels = spec.channels ?? 3;
  let pipeline = sharp(path, { failOn: 'error' }).rotate();
  let transform = { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 };
  const fit = spec.fit ?? 'fill';
  if (spec.width !== undefined || spec.height !== undefined) {
    const width = spec.width ?? Math.round((originalWidth * (spec.height as number)) / originalHeight);
    const height = spec.height ?? Math.round((originalHeight * (spec.width as number)) / originalWidth);
    if (fit === 'fill') {
      pipeline = pipeline.resize({ width, height, fit: 'fill' });
      transform = { scaleX: width / originalWidth, scaleY: height / originalHeight, offsetX: 0, offsetY: 0 };
    } else {
      const scale = Math.min(width / originalWidth, height / originalHeight);
      const w = Math.max(1, Math.round(originalWidth * scale));
      const h = Math.max(1, Math.round(originalHeight * scale));
      if (fit === 'contain') {
        pipeline = pipeline.resize({ width: w, height: h, fit: 'fill' });
        transform = { scaleX: w / originalWidth, scaleY: h / originalHeight, offsetX: 0, offsetY: 0 };
      } else {
        const left = Math.floor((width - w) / 2);
        const top = Math.floor((height - h) / 2);
        pipeline = pipeline.resize({ width, height, fit: 'contain', position: 'centre', background: { r: 0, g: 0, b: 0, alpha: 1 } });
        transform = { scaleX: w / originalWidth, scaleY: h / originalHeight, offsetX: left, offsetY: top };
      }
    }
  }
  if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  else if (channels === 3) pipeline = pipeline.removeAlpha();
  else pipeline = pipeline.ensureAlpha();
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return {
    kind: 'image',
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: info.channels as 1 | 3 | 4,
    originalWidth,
    originalHeight,
    transform,
  };
}
