// Image file → the pixels a runtime asked for (size, fit, channels), plus the transform that maps
// model pixels back to the ORIGINAL image, which is where Label Studio's percentages are measured.
// `sharp` is an optional peer dependency loaded on first use, so importing @lsml/core (or its
// label-config entry) never loads a native module for text-only backends.
import { LsmlError } from '../errors.js';
import type { ImageInput, ImageInputSpec, ImageTransform } from '../contract/inputs.js';

/**
 * Decoding defaults. `maxInputPixels` refuses decompression bombs from the header alone (a 20000 ×
 * 20000 PNG is a few hundred bytes on disk and 1.2 GB decoded), before any pixel is decoded.
 */
export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;

/** Why an image did not decode (`ImageDecodeError.reason`). */
export type ImageDecodeReason = 'not_an_image' | 'truncated' | 'too_large' | 'empty';

/**
 * A file that is not a readable image: not an image format sharp knows, a truncated or corrupt file,
 * more pixels than `maxInputPixels`, or an image without size. The task heads turn it into a
 * `TaskInputError` (that task gets a warning and no prediction; the rest of the batch is predicted).
 */
export class ImageDecodeError extends LsmlError {
  /** Machine-readable reason. */
  readonly reason: ImageDecodeReason;

  constructor(reason: ImageDecodeReason, message: string, options: { cause?: unknown } = {}) {
    super('image_decode', message, { status: 422, ...options });
    this.reason = reason;
  }
}

/** Options of `decodeImage`. */
export interface DecodeImageOptions {
  /** Refuse images with more pixels than this (width × height, read from the header). Default 100 M. */
  readonly maxInputPixels?: number;
  /**
   * Transparent pixels are composited onto this colour when the runtime wants 1 or 3 channels
   * (default white, what a browser shows on a white page; dropping alpha would expose whatever RGB
   * the encoder left under it). Letterbox padding is always black.
   */
  readonly background?: { readonly r: number; readonly g: number; readonly b: number };
}

// The slice of sharp's API used here (sharp is optional, so its types are not imported).
interface SharpFactory {
  (input: string | Uint8Array, options?: Record<string, unknown>): SharpPipeline;
}
interface SharpMetadata {
  width?: number;
  height?: number;
  orientation?: number;
  pages?: number;
  format?: string;
}
interface SharpPipeline {
  rotate(): SharpPipeline;
  metadata(): Promise<SharpMetadata>;
  resize(options: Record<string, unknown>): SharpPipeline;
  extend(options: Record<string, unknown>): SharpPipeline;
  flatten(options: Record<string, unknown>): SharpPipeline;
  removeAlpha(): SharpPipeline;
  ensureAlpha(alpha?: number): SharpPipeline;
  toColourspace(space: string): SharpPipeline;
  extractChannel(channel: number): SharpPipeline;
  raw(options?: Record<string, unknown>): SharpPipeline;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}

let sharpModule: Promise<SharpFactory> | undefined;

/** sharp, imported on first use; a clear error when it is not installed. */
async function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= import('sharp' as string).then(
    (m: { default?: unknown }) => (m.default ?? m) as SharpFactory,
    (cause: unknown) => {
      sharpModule = undefined;
      throw new LsmlError('image_decoder_missing', 'Decoding task images needs the optional "sharp" package (npm install sharp), or pass a decodeImage function', { cause });
    },
  );
  return sharpModule;
}

/** Map libvips' messages to a reason a user can act on. */
function decodeFailure(cause: unknown, maxInputPixels: number): ImageDecodeError {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/pixel limit/i.test(message)) {
    return new ImageDecodeError('too_large', `the image has more pixels than the limit of ${maxInputPixels}`, { cause });
  }
  if (/unsupported image format|bad seek|not a known|Input buffer contains unsupported|Input file is missing/i.test(message)) {
    return new ImageDecodeError('not_an_image', `not an image (${message.split('\n')[0]})`, { cause });
  }
  return new ImageDecodeError('truncated', `the image is truncated or corrupt (${message.split('\n')[0]})`, { cause });
}

/**
 * Model-input pixel → original-image pixel for a decoded image (inverse of the resize/letterbox).
 *
 * ```ts
 * const { x, y } = toOriginalPixels(input.transform, 256, 128);
 * ```
 */
export function toOriginalPixels(transform: ImageTransform, x: number, y: number): { x: number; y: number } {
  return { x: (x - transform.offsetX) / transform.scaleX, y: (y - transform.offsetY) / transform.scaleY };
}

/**
 * Decode an image file (or its bytes) into interleaved 8-bit pixels as `spec` asks:
 * - EXIF orientation is applied first, so `originalWidth/Height` and every coordinate are those of the
 *   image as Label Studio's editor shows it;
 * - PNG, JPEG, WebP, GIF (first frame), TIFF, AVIF — whatever the installed sharp reads; 16-bit
 *   images are scaled to 8 bits, CMYK and grayscale converted to the channels requested (1 gray, 3 RGB,
 *   4 RGBA; default 3); alpha is flattened onto `options.background` for 1 or 3 channels;
 * - `fit`: `fill` stretches to width × height, `contain` keeps the aspect ratio inside the box (output
 *   may be smaller), `letterbox` keeps it and pads with black to exactly width × height. Giving only
 *   one of width/height keeps the aspect ratio. The returned `transform` maps model pixels back to
 *   original pixels (`toOriginalPixels`).
 *
 * Throws `ImageDecodeError` (not an image, truncated, too many pixels) and `LsmlError`
 * `image_decoder_missing` when sharp is not installed.
 *
 * ```ts
 * const input = await decodeImage('/data/cat.jpg', { width: 224, height: 224, fit: 'letterbox' });
 * // input.pixels: 224*224*3 bytes; input.originalWidth/Height: the photo's size
 * ```
 */
export async function decodeImage(source: string | Uint8Array, spec: ImageInputSpec = {}, options: DecodeImageOptions = {}): Promise<ImageInput> {
  const sharp = await loadSharp();
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  // failOn 'error' also fails on truncated data (libvips would otherwise pad a cut JPEG with grey);
  // `pages: 1` = the first frame of a GIF / animated WebP.
  const open = () => sharp(source, { failOn: 'error', limitInputPixels: maxInputPixels, pages: 1, page: 0 });
  let meta: SharpMetadata;
  try {
    meta = await open().metadata();
  } catch (cause) {
    throw decodeFailure(cause, maxInputPixels);
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const originalWidth = (rotated ? meta.height : meta.width) ?? 0;
  const originalHeight = (rotated ? meta.width : meta.height) ?? 0;
  if (!(originalWidth > 0 && originalHeight > 0)) throw new ImageDecodeError('empty', 'the image has no size');
  // metadata() reads the header only; the pixel limit is checked here too so a bomb is refused
  // before the decoder allocates anything.
  if (originalWidth * originalHeight > maxInputPixels) {
    throw new ImageDecodeError('too_large', `the image is ${originalWidth}×${originalHeight}, more pixels than the limit of ${maxInputPixels}`);
  }
  for (const [key, value] of [['width', spec.width], ['height', spec.height]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new LsmlError('invalid_image_spec', `ImageInputSpec.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  const channels = spec.channels ?? 3;
  const fit = spec.fit ?? 'fill';
  let pipeline = open().rotate();
  let transform: ImageTransform = { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 };
  if (spec.width !== undefined || spec.height !== undefined) {
    const boxWidth = spec.width ?? Math.max(1, Math.round((originalWidth * (spec.height as number)) / originalHeight));
    const boxHeight = spec.height ?? Math.max(1, Math.round((originalHeight * (spec.width as number)) / originalWidth));
    if (fit === 'fill') {
      pipeline = pipeline.resize({ width: boxWidth, height: boxHeight, fit: 'fill' });
      transform = { scaleX: boxWidth / originalWidth, scaleY: boxHeight / originalHeight, offsetX: 0, offsetY: 0 };
    } else {
      const scale = Math.min(boxWidth / originalWidth, boxHeight / originalHeight);
      const w = Math.min(boxWidth, Math.max(1, Math.round(originalWidth * scale)));
      const h = Math.min(boxHeight, Math.max(1, Math.round(originalHeight * scale)));
      // Resize to exactly w × h, then pad ourselves: the transform is then exact by construction
      // rather than depending on how sharp centres a `contain` resize.
      pipeline = pipeline.resize({ width: w, height: h, fit: 'fill' });
      if (fit === 'letterbox' && (w !== boxWidth || h !== boxHeight)) {
        const left = Math.floor((boxWidth - w) / 2);
        const top = Math.floor((boxHeight - h) / 2);
        pipeline = pipeline.extend({ left, top, right: boxWidth - w - left, bottom: boxHeight - h - top, background: { r: 0, g: 0, b: 0, alpha: 1 } });
        transform = { scaleX: w / originalWidth, scaleY: h / originalHeight, offsetX: left, offsetY: top };
      } else {
        transform = { scaleX: w / originalWidth, scaleY: h / originalHeight, offsetX: 0, offsetY: 0 };
      }
    }
  }
  const background = options.background ?? { r: 255, g: 255, b: 255 };
  if (channels === 4) pipeline = pipeline.toColourspace('srgb').ensureAlpha(1);
  else {
    // flatten() is a no-op without alpha; grayscale / CMYK / palette inputs become sRGB first.
    pipeline = pipeline.flatten({ background }).toColourspace(channels === 1 ? 'b-w' : 'srgb');
  }
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw decodeFailure(cause, maxInputPixels);
  }
  let { data } = decoded;
  const { info } = decoded;
  if (info.channels !== channels) {
    // libvips keeps an extra band in rare cases (e.g. a 2-band gray+alpha after b-w); keep the first
    // `channels` bands of each pixel so the layout is always what the runtime asked for.
    const pixels = info.width * info.height;
    const out = Buffer.alloc(pixels * channels, 255);
    const copy = Math.min(channels, info.channels);
    for (let p = 0; p < pixels; p++) for (let c = 0; c < copy; c++) out[p * channels + c] = data[p * info.channels + c] as number;
    if (info.channels < channels && channels >= 3) {
      for (let p = 0; p < pixels; p++) for (let c = 1; c < 3; c++) out[p * channels + c] = out[p * channels] as number;
    }
    data = out;
  }
  return {
    kind: 'image',
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels,
    originalWidth,
    originalHeight,
    transform,
  };
}
