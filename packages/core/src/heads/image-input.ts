// Task image → ImageInput: the media module resolves the URL to a local file, a decoder turns it into
// pixels of the size the runtime asked for. The decoder is pluggable; the default loads `sharp` lazily
// (an optional dependency), so text-only backends never need it.
import { LsmlError, TaskInputError } from '../errors.js';
import type { ImageInput, ImageInputSpec } from '../contract/inputs.js';
import { decodeImage } from '../media/decode-image.js';
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
    // A missing decoder or a bad ImageInputSpec is the backend's fault (500), not the task's.
    if (LsmlError.is(cause) && cause.code !== 'task_input' && cause.code !== 'image_decode') throw cause;
    throw new TaskInputError(`Task ${taskId ?? '(without id)'}: the image of "${field}" does not decode: ${(cause as Error).message}`, { ...details, cause });
  }
}

/**
 * The default `ImageDecoder` (kept under its first name): `decodeImage` from the media module — sharp,
 * loaded on first use, EXIF orientation applied, resized as `spec` says, with the model → original
 * transform.
 */
export const decodeImageWithSharp: ImageDecoder = (path, spec) => decodeImage(path, spec);
