// Named-entity pre-annotation for a Label Studio "Named Entity Recognition" project:
// Labels spans over a Text, from a transformers.js token-classification model.
//
//   npx lsml start packages/transformers/examples/ner.ts --port 9090
//
// MODEL may be a hub id (downloaded on first use) or a local folder in the transformers.js layout,
// e.g. MODEL=packages/transformers/test/models/tiny-bert-ner (offline, random weights).
import { backend, spansHead } from '@lsml/core';
import { transformersRuntime } from '@lsml/transformers';

export default backend({
  name: 'TransformersNer',
  runtime: transformersRuntime({
    task: 'token-classification',
    model: process.env.MODEL ?? 'Xenova/bert-base-NER',
    options: { aggregationStrategy: 'first' },
  }),
  head: spansHead(),
});
