// {{className}}: a text classifier (Choices ← Text) running an ONNX model with onnxruntime-node.
import { backend, choicesHead } from '@lsml/core';
import { hashedBagOfWords, onnxRuntime } from '@lsml/onnx';

export default backend({
  name: '{{className}}',
  runtime: onnxRuntime({
    // A demo network over 512 hashed bag-of-words features: replace it with your model.
    model: new URL('../model/text-classifier.onnx', import.meta.url),
    // The model's output classes, in order; matched to the project's <Choice> values case-insensitively.
    labels: ['negative', 'neutral', 'positive'],
    // The model's input for one task's text, written straight into the batch buffer.
    featurize: (text, out) => hashedBagOfWords(text, 512, { out }),
  }),
  // Fills the first <Choices> over a <Text> of the project's label config.
  head: choicesHead(),
  modelVersion: '{{className}}-v1',
});
