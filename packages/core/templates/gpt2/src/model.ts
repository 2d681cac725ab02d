// {{className}}: text generation (TextArea ← Text) with a GPT-2 style model in transformers.js.
// MODEL_NAME: a hub id (default Xenova/gpt2, downloaded on first use) or a local model folder.
import { transformersBackend } from '@lsml/transformers';

export default transformersBackend({
  name: '{{className}}',
  task: 'text-generation',
  model: process.env.MODEL_NAME ?? 'Xenova/gpt2',
  modelVersion: process.env.MODEL_VERSION,
  options: { generation: { max_new_tokens: Number(process.env.MAX_NEW_TOKENS ?? 32), do_sample: false } },
});
