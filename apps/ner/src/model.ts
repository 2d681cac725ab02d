/**
 * Named-entity pre-annotation for Label Studio (Labels ← Text) with a transformers.js
 * token-classification model.
 *
 * The model's entity types (PER, ORG, …; B-/I- tags merged) go to the config's labels through
 * `predicted_values` (`<Label value="Person" predicted_values="PER"/>`) or the same name in any case;
 * types without a label are never predicted, and a config sharing none with the model fails /setup
 * with both lists. Sub-word pieces are merged into whole words, and every span's `start`/`end` index
 * the task text exactly (in code points, as Label Studio counts them). Extra params: `threshold` (drop
 * entities scoring below it) and `aggregation_strategy` (`first`, `average`, `max`, `simple`).
 *
 * MODEL_NAME: a hub id (default `Xenova/bert-base-NER`, downloaded on first use) or a model folder in
 * the transformers.js layout — absolute, or relative to MODEL_DIR — which is read offline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '@lsml/core';
import { getPipeline, TransformersBackend, type TransformersBackendConfig } from '@lsml/transformers';

/** MODEL_NAME as a hub id or a folder: absolute, relative to MODEL_DIR, or to the working directory. */
export function modelName(name = process.env.MODEL_NAME || 'Xenova/bert-base-NER'): string {
  if (path.isAbsolute(name) || name.startsWith('file:')) return name;
  for (const base of [process.env.MODEL_DIR || '.', '.']) {
    const dir = path.resolve(base, name);
    if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  }
  return name;
}

function settings() {
  return {
    task: 'token-classification',
    model: modelName(),
    modelVersion: process.env.MODEL_VERSION || undefined, // default: the hub id or the folder's name
    // Per project, Label Studio's extra params override these: {"threshold": 0.5, "aggregation_strategy": "max"}
    options: { aggregationStrategy: 'first', minScore: 0 },
  } satisfies TransformersBackendConfig;
}

export default class NerBackend extends TransformersBackend {
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
