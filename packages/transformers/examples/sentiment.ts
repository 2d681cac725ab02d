// Sentiment pre-annotation for a Label Studio "Text Classification" project: Choices over a Text, from a
// transformers.js text-classification model (model labels map to the config's through predicted_values).
//
//   npx lsml start packages/transformers/examples/sentiment.ts --port 9090
//
// MODEL may be a hub id (downloaded on first use) or a local folder in the transformers.js layout,
// e.g. MODEL=packages/transformers/test/models/tiny-bert-sst2 (offline, random weights).
import { backend, choicesHead } from '@lsml/core';
import { transformersRuntime } from '@lsml/transformers';

export default backend({
  name: 'TransformersSentiment',
  runtime: transformersRuntime({
    task: 'text-classification',
    model: process.env.MODEL ?? 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
  }),
  head: choicesHead(),
});
