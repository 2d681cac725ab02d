/**
 * Text generation for Label Studio (TextArea ← Text) with a transformers.js GPT-2-style model.
 *
 * The continuation of each task's text goes into the TextArea. The prompt is, in order:
 * - `prompt_template` from the extra params (`{text}`, `{prompt}` and any `{field}` of the task data);
 * - in interactive mode, what the annotator typed into a `<TextArea name="prompt…">`, then the text;
 * - the task's text.
 * Generation settings come from the extra params too: `max_new_tokens`, `temperature`, `top_k`,
 * `top_p`, `do_sample`, `repetition_penalty` (defaults below).
 *
 * MODEL_NAME: a hub id (default `Xenova/gpt2`, downloaded on first use) or a model folder in the
 * transformers.js layout — absolute, or relative to MODEL_DIR — which is read offline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '@lsml/core';
import { getPipeline, TransformersBackend, type TransformersBackendConfig } from '@lsml/transformers';

/** MODEL_NAME as a hub id or a folder: absolute, relative to MODEL_DIR, or to the working directory. */
export function modelName(name = process.env.MODEL_NAME || 'Xenova/gpt2'): string {
  if (path.isAbsolute(name) || name.startsWith('file:')) return name;
  for (const base of [process.env.MODEL_DIR || '.', '.']) {
    const dir = path.resolve(base, name);
    if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  }
  return name;
}

function settings() {
  return {
    task: 'text-generation',
    model: modelName(),
    modelVersion: process.env.MODEL_VERSION || undefined, // default: the hub id or the folder's name
    options: {
      // Per project, Label Studio's extra params override these, e.g.
      // {"max_new_tokens": 64, "do_sample": true, "temperature": 0.7, "top_k": 50, "prompt_template": "Summarize: {text}"}
      generation: { max_new_tokens: Number(process.env.MAX_NEW_TOKENS) || 32, do_sample: false },
    },
  } satisfies TransformersBackendConfig;
}

export default class Gpt2Generator extends TransformersBackend {
  readonly config: TransformersBackendConfig = settings();

  /**
   * Load (and on first use download) the model when the server starts rather than in Label Studio's
   * first /setup, which gives up after 3 s. GET /ready answers 200 once it is loaded.
   */
  static async preload(): Promise<void> {
    const { task, model } = settings();
    await getPipeline({ task, model }, { logger: createLogger() }); // download progress, then "Pipeline ready"
  }
}
