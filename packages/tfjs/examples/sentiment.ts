// A text classifier that learns from the annotations of each Label Studio project, in a few lines.
// Run it from the repository root (after `npx turbo run build`):
//   npx lsml start packages/tfjs/examples/sentiment.ts --port 9090 --model-dir data
// Label config: a <Choices> over a <Text>, e.g. with the choices Positive / Negative / Neutral.
import { backend, choicesHead } from '@lsml/core';
import { tfjsRuntime } from '@lsml/tfjs';

export default backend({
  name: 'TfjsSentiment',
  modelVersion: 'TfjsSentiment-v0',
  // A function: each project trains its own classifier on its own annotations.
  runtime: () => tfjsRuntime({ vectorizer: { ngramRange: [1, 2] } }),
  head: choicesHead(),
  // A background training job every 10 annotations; "Start Training" always trains.
  training: { trainEvery: 10 },
});
