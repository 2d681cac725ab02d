/**
 * Text generation for Label Studio (TextArea ← Text) with a transformers.js GPT-2-style model:
 * `backend({ runtime: transformersRuntime(...), head: textareaHead() })`.
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
 * MODEL_VERSION: the version reported to Label Studio (default: the hub id or the folder's name).
 * MAX_NEW_TOKENS: the default generation length (32). The model loads when the server starts (GET
 * /ready answers 200 once it has), not in Label Studio's first /setup, which gives up after 3 s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { backend, createLogger, textareaHead } from '@lsml/core';
import { transformersRuntime } from '@lsml/transformers';

/** MODEL_NAME as a hub id or a folder: absolute, relative to MODEL_DIR, or to the working directory. */
export function modelName(name = process.env.MODEL_NAME || 'Xenova/gpt2'): string {
  if (path.isAbsolute(name) || name.startsWith('file:')) return name;
  for (const base of [process.env.MODEL_DIR || '.', '.']) {
    const dir = path.resolve(base, name);
    if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  }
  return name;
}

/** The generator, one per process, shared by every project. */
export const runtime = transformersRuntime({
  task: 'text-generation',
  model: modelName(),
  options: {
    // Per project, Label Studio's extra params override these, e.g.
    // {"max_new_tokens": 64, "do_sample": true, "temperature": 0.7, "top_k": 50, "prompt_template": "Summarize: {text}"}
    generation: { max_new_tokens: Number(process.env.MAX_NEW_TOKENS) || 32, do_sample: false },
  },
});

/**
 * The served class. Its preload (run when the server starts; /ready answers 200 once it is done) loads
 * the model with a logger, so download progress and "Pipeline ready" (with the library) are logged.
 */
export default class Gpt2Generator extends backend({
  runtime,
  head: textareaHead(),
  ...(process.env.MODEL_VERSION ? { modelVersion: process.env.MODEL_VERSION } : {}),
}) {
  static override async preload(): Promise<void> {
    await runtime.load({ logger: createLogger() });
  }
}
