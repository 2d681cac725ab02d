// Shared by the tests: the tiny models under test/models/ and the two libraries they run on.
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { RuntimeLogger } from '@lsml/core';
import type { LibraryName } from './library.js';
import type { TransformersTask } from './model-files.js';
import { getPipeline, type LoadedPipeline } from './pipelines.js';

export const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'models');

export const testModel = (name: string): string => path.join(MODELS_DIR, name);

export const LIBRARIES: readonly LibraryName[] = ['@huggingface/transformers', '@xenova/transformers'];

export const TASK_MODELS: Record<TransformersTask, string> = {
  'text-classification': 'tiny-bert-sst2',
  'token-classification': 'tiny-bert-ner',
  'zero-shot-classification': 'tiny-bert-nli',
  'text-generation': 'tiny-gpt2',
  'image-classification': 'tiny-vit',
  'object-detection': 'tiny-detr',
};

export interface LogLine {
  level: 'info' | 'warn' | 'debug';
  obj: object;
  msg: string | undefined;
}

/** A logger that keeps what it is given. */
export function memoryLogger(): RuntimeLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, info: at('info'), warn: at('warn'), debug: at('debug') };
}

export function loadTiny(library: LibraryName, task: TransformersTask, logger?: RuntimeLogger): Promise<LoadedPipeline> {
  return getPipeline({ task, model: testModel(TASK_MODELS[task]), library }, logger ? { logger } : {});
}


/** Texts that exercise offsets: emoji (surrogate pairs, ZWJ sequences, flags), accents, CJK, [UNK] words, odd spacing. */
export const OFFSET_TEXTS: readonly string[] = [
  'John Smith lives in Paris.',
  'Zoë 😀 Marie Curie lives in 東京, Parisian café!',
  'Emoji 👨‍👩‍👧 family and 🇫🇷 flag: Apple visited Berlin 🙂🙂 twice',
  '  leading spaces\tand\ttabs\nNew York  ',
  'İstanbul ß straße ﬁle Ｇｏｏｇｌｅ',
  'e\u0301cole and cafe\u0301 (combining accents) in Paris',
  "New York's Google-Apple deal: $5,000 (approx.) at 10:30!",
  '',
  '😀',
];

/** A PNG file (RGB, no filter) built with node:zlib, so image tests need no image library. */
export function pngBytes(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 3);
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
