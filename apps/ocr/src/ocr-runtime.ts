// Tesseract (tesseract.js: the C++ engine compiled to wasm) as a runtime of the lsml contract: image in,
// recognised lines (or words) with boxes and confidences out. Recognition runs in tesseract.js's own
// worker threads, so the event loop (and /health) stays free while a page is read.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { LsmlError, type ImageInput, type LoadOptions, type Runtime, type RunOptions, type RuntimeInfo, type TextOutput, type GeneratedText } from '@lsml/core';
import sharp from 'sharp';
import Tesseract from 'tesseract.js';

// tesseract.js is CommonJS (`export =`): take the functions off its default export, which both Node's
// ESM loader and bundlers provide.
const { createScheduler, createWorker, OEM } = Tesseract;
type Scheduler = Tesseract.Scheduler;
type Block = Tesseract.Block;

/** Granularity of the recognised texts: one per text line (default) or one per word. */
export type OcrLevel = 'line' | 'word';

/** Settings of `ocrRuntime`. */
export interface OcrRuntimeSettings {
  /**
   * Folder with `<lang>.traineddata.gz` files. Default: the `4.0.0_best_int` folder of the installed
   * `@tesseract.js-data/eng` package (English, LSTM integer model). Never a URL: nothing is downloaded.
   */
  readonly langPath?: string;
  /** Tesseract workers per language (each a worker thread). Default: `os.availableParallelism()`. */
  readonly poolSize?: number;
  /** Language(s) when the project sets no `lang` extra param (`eng`, or `eng+deu` when both are installed). */
  readonly defaultLang?: string;
}

/** The default traineddata folder: the English LSTM integer model shipped by @tesseract.js-data/eng. */
export function defaultLangPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
}

/** The languages whose traineddata is in `langPath` (`eng.traineddata.gz` → `eng`), sorted. */
export function installedLanguages(langPath: string): string[] {
  if (!existsSync(langPath)) return [];
  return readdirSync(langPath)
    .map((f) => /^(.+)\.traineddata(\.gz)?$/.exec(f)?.[1])
    .filter((l): l is string => l !== undefined)
    .sort();
}

/** The OCR runtime: `Runtime<'image', 'text'>` whose texts carry their `box`. */
export type OcrRuntime = Runtime<'image', 'text'> & {
  /** The languages `lang` may name. */
  readonly languages: readonly string[];
};

/**
 * A tesseract.js runtime: one pool of `poolSize` workers per language combination, created on first use
 * and shared by every request and project (`capabilities.shared`).
 *
 * ```ts
 * const runtime = ocrRuntime();
 * const [out] = await runtime.run([image], { params: { lang: 'eng', ocr_level: 'word' } });
 * // out.texts = [{ text: 'Region-based', score: 0.93, box: { x: 2, y: 4, width: 150, height: 24 } }, …]
 * ```
 *
 * Extra params: `lang` (default `defaultLang`; only installed languages, else 422 naming them) and
 * `ocr_level` (`line` | `word`).
 */
export function ocrRuntime(settings: OcrRuntimeSettings = {}): OcrRuntime {
  const langPath = settings.langPath ?? defaultLangPath();
  const poolSize = Math.max(1, settings.poolSize ?? availableParallelism());
  const defaultLang = settings.defaultLang ?? 'eng';
  const languages = installedLanguages(langPath);
  // One scheduler per language combination; a promise so that concurrent first requests share one start.
  const pools = new Map<string, Promise<Scheduler>>();

  const pool = (lang: string): Promise<Scheduler> => {
    let p = pools.get(lang);
    if (!p) {
      p = (async () => {
        const scheduler = createScheduler();
        const workers = await Promise.all(
          Array.from({ length: poolSize }, () =>
            // cacheMethod 'none': read the local traineddata each start instead of writing a copy into the
            // working directory (tesseract.js's Node default); langPath is a folder, so nothing is fetched.
            createWorker(lang, OEM.LSTM_ONLY, { langPath, gzip: true, cacheMethod: 'none' }),
          ),
        );
        for (const w of workers) scheduler.addWorker(w);
        return scheduler;
      })();
      p.catch(() => pools.delete(lang));
      pools.set(lang, p);
    }
    return p;
  };

  const langOf = (params: Readonly<Record<string, unknown>> | undefined): string => {
    const raw = params?.lang ?? defaultLang;
    const lang = typeof raw === 'string' ? raw.trim() : '';
    const parts = lang.split('+').filter((l) => l !== '');
    const unknown = parts.filter((l) => !languages.includes(l));
    if (parts.length === 0 || unknown.length > 0) {
      throw new LsmlError(
        'invalid_param',
        `extra param "lang" = ${JSON.stringify(raw)} names a language without traineddata here; installed: ${languages.join(', ') || '(none)'} (combine with "+", e.g. "eng")`,
        { status: 422 },
      );
    }
    return parts.join('+');
  };

  const levelOf = (params: Readonly<Record<string, unknown>> | undefined): OcrLevel => {
    const raw = params?.ocr_level ?? 'line';
    if (raw === 'line' || raw === 'word') return raw;
    throw new LsmlError('invalid_param', `extra param "ocr_level" must be "line" or "word", got ${JSON.stringify(raw)}`, { status: 422 });
  };

  const recognise = async (scheduler: Scheduler, input: ImageInput, level: OcrLevel): Promise<TextOutput> => {
    if (input.width < 3 || input.height < 3) return { kind: 'text', texts: [] };
    // Raw pixels → an uncompressed PNG (tesseract.js decodes encoded images only), at 300 dpi so that
    // Tesseract does not guess a resolution from missing metadata.
    const png = await sharp(Buffer.from(input.pixels.buffer, input.pixels.byteOffset, input.pixels.byteLength), {
      raw: { width: input.width, height: input.height, channels: input.channels },
    })
      .withMetadata({ density: 300 })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const result = await scheduler.addJob('recognize', png, {}, { blocks: true, text: false });
    const texts: GeneratedText[] = [];
    for (const block of (result.data.blocks ?? []) as Block[]) {
      for (const paragraph of block.paragraphs) {
        for (const line of paragraph.lines) {
          const items = level === 'line' ? [line] : line.words;
          for (const item of items) {
            const text = item.text.trim();
            if (text === '') continue;
            const { x0, y0, x1, y1 } = item.bbox;
            texts.push({ text, score: Math.min(1, Math.max(0, item.confidence / 100)), box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } });
          }
        }
      }
    }
    return { kind: 'text', texts };
  };

  return {
    provider: 'tesseract',
    modelId: `tesseract-${defaultLang}`,
    input: 'image',
    output: 'text',
    languages,
    // Tesseract reads one image per call: no batching; the pool runs up to poolSize images at once.
    capabilities: { batching: false, shared: true, threads: 'worker', trainable: false },
    async load(_options?: LoadOptions): Promise<RuntimeInfo> {
      langOf({ lang: defaultLang });
      await pool(defaultLang);
      // Original size, 1 channel: text needs no colour, and the head upscales small images itself.
      return { image: { channels: 1 } };
    },
    async run(inputs: readonly ImageInput[], options: RunOptions = {}): Promise<TextOutput[]> {
      const lang = langOf(options.params);
      const level = levelOf(options.params);
      options.signal?.throwIfAborted();
      const scheduler = await pool(lang);
      const outputs = await Promise.all(inputs.map((input) => recognise(scheduler, input, level)));
      options.signal?.throwIfAborted();
      return outputs;
    },
    async dispose(): Promise<void> {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.terminate()));
    },
  };
}
