// Which files a transformers.js pipeline reads, so a missing model fails with one error that names them
// and where they were looked for, instead of the library's first 404.
import fs from 'node:fs';
import path from 'node:path';

/** Tasks lsml maps to Label Studio. */
export type TransformersTask =
  | 'text-classification'
  | 'token-classification'
  | 'zero-shot-classification'
  | 'text-generation'
  | 'image-classification'
  | 'object-detection';

export const TEXT_TASKS: ReadonlySet<TransformersTask> = new Set([
  'text-classification',
  'token-classification',
  'zero-shot-classification',
  'text-generation',
]);

/**
 * ONNX weight variants. `auto`: the library's default on the hub (v4: fp32 on CPU, v2: the quantized
 * file); for a local folder, the first of those files that exists.
 */
export type ModelDtype = 'auto' | 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

const V4_SUFFIX: Record<Exclude<ModelDtype, 'auto'>, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** The ONNX file of `task` for a library major and dtype (relative to the model folder). */
export function onnxFileName(task: TransformersTask, libraryMajor: number, dtype: Exclude<ModelDtype, 'auto'>): string {
  if (libraryMajor >= 3) return `onnx/model${V4_SUFFIX[dtype]}.onnx`;
  // v2 names decoder-only weights after optimum's merged decoder, and knows only fp32 and quantized.
  const base = task === 'text-generation' ? 'decoder_model_merged' : 'model';
  if (dtype !== 'fp32' && dtype !== 'q8') {
    throw new Error(`@xenova/transformers 2.x only loads fp32 or q8 (quantized) weights, not dtype "${dtype}"`);
  }
  return `onnx/${base}${dtype === 'q8' ? '_quantized' : ''}.onnx`;
}

/** The dtype a library loads when none is given. */
export function defaultDtype(libraryMajor: number): Exclude<ModelDtype, 'auto'> {
  return libraryMajor >= 3 ? 'fp32' : 'q8';
}

/** The files a local model folder must (and may) hold. */
export interface ExpectedFiles {
  required: string[];
  optional: string[];
}

/** The files a local model folder needs for `task`, by library major version and weight dtype. */
export function expectedFiles(task: TransformersTask, libraryMajor: number, dtype: Exclude<ModelDtype, 'auto'>): ExpectedFiles {
  const required = ['config.json'];
  if (TEXT_TASKS.has(task)) required.push('tokenizer.json', 'tokenizer_config.json');
  else required.push('preprocessor_config.json');
  required.push(onnxFileName(task, libraryMajor, dtype));
  return { required, optional: task === 'text-generation' ? ['generation_config.json'] : [] };
}

/** The model could not be found or loaded; the message says what was expected where. */
export class ModelLoadError extends Error {
  constructor(
    message: string,
    readonly details: {
      model: string;
      task: TransformersTask;
      library: string;
      /** Folder (local) or cache folder (hub) the files were looked for in. */
      location: string;
      expected: string[];
      missing?: string[];
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}

const DTYPE_PREFERENCE: Array<Exclude<ModelDtype, 'auto'>> = ['fp32', 'q8', 'fp16', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'];

/**
 * Check a local model folder before the library reads it, and pick the dtype for `auto`: the
 * library's default if its file is there, else the first variant found. Throws one ModelLoadError
 * naming every missing file.
 */
export function checkLocalModel(
  dir: string,
  task: TransformersTask,
  library: { name: string; major: number },
  dtype: ModelDtype,
): Exclude<ModelDtype, 'auto'> {
  let chosen: Exclude<ModelDtype, 'auto'> = dtype === 'auto' ? defaultDtype(library.major) : dtype;
  if (dtype === 'auto' && !fs.existsSync(path.join(dir, onnxFileName(task, library.major, chosen)))) {
    const candidates = library.major >= 3 ? DTYPE_PREFERENCE : (['q8', 'fp32'] as const);
    const found = candidates.find((d) => fs.existsSync(path.join(dir, onnxFileName(task, library.major, d))));
    if (found) chosen = found;
  }
  const { required } = expectedFiles(task, library.major, chosen);
  const missing = required.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    const where = fs.existsSync(dir) ? `the folder ${dir}` : `${dir} (the folder does not exist)`;
    const variants =
      dtype === 'auto' && missing.some((f) => f.startsWith('onnx/'))
        ? ` (for dtype "auto", any of ${(library.major >= 3 ? DTYPE_PREFERENCE : (['q8', 'fp32'] as const)).map((d) => onnxFileName(task, library.major, d)).join(', ')} will do)`
        : '';
    throw new ModelLoadError(
      `Model for ${task} not found: ${library.name} needs ${required.join(', ')} in ${where}; missing: ${missing.join(', ')}${variants}. ` +
        'Export the model with optimum (`optimum-cli export onnx`) or copy a transformers.js repository (e.g. from huggingface.co/Xenova) into that folder.',
      { model: dir, task, library: library.name, location: dir, expected: required, missing },
    );
  }
  return chosen;
}

/** True when `model` names a folder rather than a hub id. */
export function isLocalModel(model: string): boolean {
  if (model.startsWith('file:')) return true;
  if (path.isAbsolute(model) || model.startsWith('./') || model.startsWith('../') || model.startsWith('.\\') || model === '.') return true;
  // A hub id is "name" or "org/name"; anything deeper that exists on disk is a folder.
  return model.split('/').length > 2 || (fs.existsSync(model) && fs.statSync(model).isDirectory() && fs.existsSync(path.join(model, 'config.json')));
}
