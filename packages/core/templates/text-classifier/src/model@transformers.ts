// {{className}}: a text classifier (Choices ← Text) running a Hugging Face model with transformers.js.
// MODEL_NAME: a hub id (downloaded on first use) or a local folder in the transformers.js layout.
// The model's labels map to the config's choices by name (any case) or through predicted_values.
import { backend, choicesHead } from '@lsml/core';
import { transformersRuntime } from '@lsml/transformers';

export default backend({
  name: '{{className}}',
  runtime: transformersRuntime({
    task: 'text-classification',
    model: process.env.MODEL_NAME ?? 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
  }),
  head: choicesHead(),
  ...(process.env.MODEL_VERSION ? { modelVersion: process.env.MODEL_VERSION } : {}),
});
