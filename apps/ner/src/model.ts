/**
 * Named-entity pre-annotation (Labels ← Text) with a transformers.js token-classification model.
 *
 * The model's entity types are mapped to the project's labels with `buildLabelMap`: a label with the
 * same name (any case) or one listing it in `predicted_values` (`<Label value="Person"
 * predicted_values="PER"/>`). Sub-word pieces and B-/I- tags are merged into whole-word spans whose
 * `start`/`end` index the task text exactly (JS string offsets, as Label Studio counts them).
 *
 * MODEL_NAME: a hub id (default `Xenova/bert-base-NER`, downloaded on first use) or a local folder in
 * the transformers.js layout (works offline).
 */
import { transformersBackend } from '@lsml/transformers';

export default transformersBackend({
  name: 'NerBackend',
  task: 'token-classification',
  model: process.env.MODEL_NAME ?? 'Xenova/bert-base-NER',
  modelVersion: process.env.MODEL_VERSION,
  options: { aggregationStrategy: 'first' },
});
