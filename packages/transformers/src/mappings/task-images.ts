// Task images → RawImage: Label Studio URLs (uploads, local storage, cloud, http) are resolved to a local
// file with @lsml/core's getLocalPath; `data:` URIs are decoded in memory.
import { getLocalPath, type GetLocalPathOptions, type Task } from '@lsml/core';
import type { RawImageLike } from '../library-types.js';
import type { LoadedPipeline } from '../runtime.js';
import { textOf } from './shared.js';

/** How the image tasks fetch their images. */
export interface ImageOptions {
  /** How task image URLs are fetched (LS host, token, cache dir…); see @lsml/core's getLocalPath. */
  media?: GetLocalPathOptions;
}

export async function loadTaskImage(loaded: LoadedPipeline, task: Task, field: string, options: ImageOptions = {}): Promise<RawImageLike> {
  const { RawImage } = loaded.library.module;
  const ref = textOf(task, field);
  if (!ref) throw new Error(`Task ${task.id ?? '?'} has no image in data.${field}`);
  if (ref.startsWith('data:')) {
    const blob = await (await fetch(ref)).blob();
    if (!RawImage.fromBlob) throw new Error(`${loaded.library.name} cannot read data: URIs`);
    return RawImage.fromBlob(blob);
  }
  const file = await getLocalPath(ref, { ...options.media, taskId: task.id ?? null });
  return RawImage.read(file);
}
