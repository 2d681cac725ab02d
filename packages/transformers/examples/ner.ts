// Named-entity pre-annotation for a Label Studio "Named Entity Recognition" project.
//
//   npx lsml start packages/transformers/examples/ner.ts --port 9090
//
// MODEL may be a hub id (downloaded on first use) or a local folder in the transformers.js layout.
import { transformersBackend } from '@lsml/transformers';

export default transformersBackend({
  name: 'TransformersNer',
  task: 'token-classification',
  model: process.env.MODEL ?? 'Xenova/bert-base-NER',
  options: { aggregationStrategy: 'first' },
});
