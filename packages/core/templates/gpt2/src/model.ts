// {{className}}: text generation (TextArea ← Text) with a GPT-2 style model in transformers.js.
// MODEL_NAME: a hub id (default Xenova/gpt2, downloaded on first use) or a local model folder.
// The prompt is the task's text, the prompt typed into a <TextArea name="prompt…"> in interactive mode,
// or the `prompt_template` extra param; generation settings (max_new_tokens, …) come from extra params.
import { backend, textareaHead } from '@lsml/core';
import { transformersRuntime } from '@lsml/transformers';

export default backend({
  name: '{{className}}',
  runtime: transformersRuntime({
    task: 'text-generation',
    model: process.env.MODEL_NAME ?? 'Xenova/gpt2',
    options: { generation: { max_new_tokens: Number(process.env.MAX_NEW_TOKENS ?? 32), do_sample: false } },
  }),
  head: textareaHead(),
  ...(process.env.MODEL_VERSION ? { modelVersion: process.env.MODEL_VERSION } : {}),
});
