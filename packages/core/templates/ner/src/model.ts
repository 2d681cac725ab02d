// {{className}}: named-entity pre-annotation (Labels ← Text) with a token-classification model.
// MODEL_NAME: a hub id (default Xenova/bert-base-NER, downloaded on first use) or a local model folder.
import { backend, spansHead } from '@lsml/core';
import { transformersRuntime } from '@lsml/transformers';

export default backend({
  name: '{{className}}',
  runtime: transformersRuntime({
    task: 'token-classification',
    model: process.env.MODEL_NAME ?? 'Xenova/bert-base-NER',
    options: { aggregationStrategy: 'first' },
  }),
  head: spansHead(),
  ...(process.env.MODEL_VERSION ? { modelVersion: process.env.MODEL_VERSION } : {}),
});
