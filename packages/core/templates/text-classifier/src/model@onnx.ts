// {{className}}: a text classifier (Choices ← Text) running an ONNX model with onnxruntime-node.
import { hashedBagOfWords, onnxClassifier } from '@lsml/onnx';

export default onnxClassifier({
  name: '{{className}}',
  // A demo network over 512 hashed bag-of-words features: replace it with your model.
  model: new URL('../model/text-classifier.onnx', import.meta.url),
  // The model's output classes, in order; matched to the project's <Choice> values case-insensitively.
  labels: ['negative', 'neutral', 'positive'],
  // The model's input for one task's text.
  featurize: (text, _task, out) => hashedBagOfWords(text, 512, { out }),
  modelVersion: '{{className}}-v1',
});
