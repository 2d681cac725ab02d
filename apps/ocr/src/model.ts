/**
 * OCR for Label Studio (the Python `tesseract` example, in TypeScript): `<Image>` + `<RectangleLabels>` +
 * a per-region `<TextArea>`, built from the two halves of the lsml contract: `ocrRuntime` (tesseract.js,
 * real English LSTM weights from @tesseract.js-data/eng, fully offline) × `ocrHead`.
 *
 * - Pre-annotation (`/predict` without context): whole-image OCR → one box + transcription per line
 *   (extra param `ocr_level: "word"`: per word), boxes in percent of the original image.
 * - Interactive (the annotator draws a box with auto-annotation on): the box is cropped from the
 *   original image (EXIF-rotated), read, and the transcription comes back bound to that region's id.
 * - One pool of Tesseract worker threads per language, sized to the CPU (`OCR_WORKERS` overrides),
 *   shared by every request and project; extra param `lang` picks installed languages (422 otherwise).
 */
import { backend } from '@lsml/core';
import sharp from 'sharp';
import { ocrHead } from './ocr-head.js';
import { ocrRuntime } from './ocr-runtime.js';

/** OCR_WORKERS: Tesseract workers per language (default: the CPU's available parallelism). */
function workersFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.OCR_WORKERS?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`OCR_WORKERS must be a positive integer, got "${raw}"`);
  return n;
}

const poolSize = workersFromEnv();
// The Tesseract pool already has one thread per core; libvips' own thread pool (decode, crop, PNG
// encode) would only compete with it and with the event loop (/health p99, bench/ocr.mjs).
sharp.concurrency(1);

export default backend({
  runtime: ocrRuntime({
    ...(poolSize !== undefined ? { poolSize } : {}),
    ...(process.env.OCR_LANG_PATH ? { langPath: process.env.OCR_LANG_PATH } : {}),
    ...(process.env.OCR_LANG ? { defaultLang: process.env.OCR_LANG } : {}),
  }),
  head: ocrHead(),
  name: 'OCR',
});
