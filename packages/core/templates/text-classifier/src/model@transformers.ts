// {{className}}: a text classifier (Choices ← Text) running a Hugging Face model with transformers.js.
// MODEL_NAME: a hub id (downloaded on first use) or a local folder in the transformers.js layout.
import { transformersBackend } from '@lsml/transformers';

export default transformersBackend({
  name: '{{className}}',
  task: 'text-classification',
  model: process.env.MODEL_NAME ?? 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
  modelVersion: process.env.MODEL_VERSION,
});
