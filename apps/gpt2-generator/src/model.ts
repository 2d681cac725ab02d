/**
 * Text generation (TextArea ← Text) with a transformers.js GPT-2-style model.
 *
 * The prompt is, in order: `prompt_template` from the backend's extra params (placeholders `{text}` and
 * any `{field}` of the task data); else, in interactive mode, what the annotator typed into a
 * `<TextArea name="prompt">`; else the task text. The continuation goes into the other TextArea.
 * Generation options come from extra params too: `max_new_tokens`, `temperature`, `do_sample`,
 * `top_k`, `top_p`, `repetition_penalty`.
 *
 * MODEL_NAME: a hub id (default `Xenova/gpt2`, downloaded on first use) or a local folder in the
 * transformers.js layout (works offline).
 */
import { transformersBackend } from '@lsml/transformers';

export default transformersBackend({
  name: 'Gpt2Generator',
  task: 'text-generation',
  model: process.env.MODEL_NAME ?? 'Xenova/gpt2',
  modelVersion: process.env.MODEL_VERSION,
  options: { generation: { max_new_tokens: Number(process.env.MAX_NEW_TOKENS ?? 32), do_sample: false } },
});
