// {{className}}: a text classifier (Choices ← Text) that learns from the project's annotations.
// Annotation webhooks are recorded (one state key per task); every TRAIN_EVERY annotations, and on
// "Start Training", a background job trains a new model in a worker thread, which then serves as the
// next model_version.
import { backend, choicesHead } from '@lsml/core';
import { tfjsRuntime } from '@lsml/tfjs';

export default backend({
  name: '{{className}}',
  // Trained versions follow as {{className}}-v1, -v2, ...
  modelVersion: '{{className}}-v0',
  // One classifier per project: hashed words and word pairs → logistic regression (see @lsml/tfjs).
  runtime: () => tfjsRuntime({ vectorizer: { ngramRange: [1, 2] } }),
  // Fills the first <Choices> over a <Text> of the project's label config, and learns its labels.
  head: choicesHead(),
  training: { trainEvery: Number(process.env.TRAIN_EVERY ?? 10) },
});
