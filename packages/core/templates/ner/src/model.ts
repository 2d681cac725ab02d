// {{className}}: named-entity pre-annotation (Labels ← Text) with a token-classification model.
// MODEL_NAME: a hub id (default Xenova/bert-base-NER, downloaded on first use) or a local model folder.
import { transformersBackend } from '@lsml/transformers';

export default transformersBackend({
  name: '{{className}}',
  task: 'token-classification',
  model: process.env.MODEL_NAME ?? 'Xenova/bert-base-NER',
  modelVersion: process.env.MODEL_VERSION,
  options: { aggregationStrategy: 'first' },
});
