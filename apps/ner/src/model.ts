/**
 * Named-entity pre-annotation for Label Studio (Labels ← Text) with a transformers.js
 * token-classification model: `backend({ runtime: transformersRuntime(...), head: spansHead() })`.
 *
 * The model's entity types (PER, ORG, …; B-/I- tags merged) go to the config's labels through
 * `predicted_values` (`<Label value="Person" predicted_values="PER"/>`) or the same name in any case;
 * types without a label are never predicted, and a config sharing none with the model fails /setup
 * (422) with both lists. Sub-word pieces are merged into whole words, and every span's `start`/`end`
 * index the task text exactly (in code points, as Label Studio counts them). Extra params:
 * `threshold` (drop entities scoring below it) and `aggregation_strategy` (`first`, `average`, `max`,
 * `simple`).
 *
 * MODEL_NAME: a hub id (default `Xenova/bert-base-NER`, downloaded on first use) or a model folder in
 * the transformers.js layout — absolute, or relative to MODEL_DIR — which is read offline.
 * MODEL_VERSION: the version reported to Label Studio (default: the hub id or the folder's name).
 * The model loads when the server starts (GET /ready answers 200 once it has), not in Label Studio's
 * first /setup, which gives up after 3 s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { backend, createLogger, spansHead } from '@lsml/core';
import { transformersRuntime } from '@lsml/transformers';

/** MODEL_NAME as a hub id or a folder: absolute, relative to MODEL_DIR, or to the working directory. */
export function modelName(name = process.env.MODEL_NAME || 'Xenova/bert-base-NER'): string {
  if (path.isAbsolute(name) || name.startsWith('file:')) return name;
  for (const base of [process.env.MODEL_DIR || '.', '.']) {
    const dir = path.resolve(base, name);
    if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  }
  return name;
}

/** The token classifier, one per process, shared by every project. */
export const runtime = transformersRuntime({
  task: 'token-classification',
  model: modelName(),
  // Per project, Label Studio's extra params override these: {"threshold": 0.5, "aggregation_strategy": "max"}
  options: { aggregationStrategy: 'first', minScore: 0 },
});

/**
 * The served class. Its preload (run when the server starts; /ready answers 200 once it is done) loads
 * the model with a logger, so download progress and "Pipeline ready" (with the library) are logged.
 */
export default class NerBackend extends backend({
  runtime,
  head: spansHead(),
  ...(process.env.MODEL_VERSION ? { modelVersion: process.env.MODEL_VERSION } : {}),
}) {
  static override async preload(): Promise<void> {
    await runtime.load({ logger: createLogger() });
  }
}
