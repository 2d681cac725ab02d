// A text-generation model in this process (transformers.js): no structured outputs, so the schema goes
// into the prompt and the answer is checked (and repaired once) like any other.
import { getPipeline, type LoadedPipeline } from '@lsml/transformers';
import { LlmError } from '../errors.js';
import type { LocalProviderSettings } from '../settings.js';
import type { ChatAnswer, ChatMessage, ChatProvider, ChatRequest } from './provider.js';

/** A chat as one plain prompt for a base (non-chat) model, ending where the JSON answer starts. */
export function chatAsPrompt(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => (m.role === 'system' ? m.content : `${m.role === 'user' ? 'User' : 'Assistant'}: ${m.content}`)).join('\n\n')}\n\nAssistant:`;
}

/** The local provider. */
export function localProvider(settings: LocalProviderSettings): ChatProvider {
  let loaded: Promise<LoadedPipeline> | undefined;
  const load = () => {
    loaded ??= getPipeline({ task: 'text-generation', model: settings.model, ...(settings.library ? { library: settings.library } : {}) }).catch((err: unknown) => {
      loaded = undefined;
      throw new LlmError('model_load', `Cannot load the local model ${settings.model}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    return loaded;
  };
  return {
    name: 'local',
    endpoint: `local|${settings.model}`,
    threads: 'native',
    async load() {
      await load();
    },
    async chat(request: ChatRequest): Promise<ChatAnswer> {
      const { pipe } = await load();
      request.signal.throwIfAborted();
      const prompt = chatAsPrompt(request.messages);
      const out = (await pipe(prompt, {
        max_new_tokens: request.maxTokens,
        do_sample: request.temperature > 0,
        ...(request.temperature > 0 ? { temperature: request.temperature } : {}),
        return_full_text: false,
      })) as Array<{ generated_text?: unknown }>;
      request.signal.throwIfAborted();
      const generated = out[0]?.generated_text;
      const text = typeof generated === 'string' ? generated : '';
      // Token counts from the model's own tokenizer, when it has one.
      const tokenizer = (pipe as unknown as { tokenizer?: { encode?(t: string): number[] } }).tokenizer;
      const usage = typeof tokenizer?.encode === 'function' ? { promptTokens: tokenizer.encode(prompt).length, completionTokens: tokenizer.encode(text).length } : undefined;
      return { text, ...(usage ? { usage } : {}) };
    },
    async dispose() {
      // Pipelines are shared per process (@lsml/transformers); they stay for other users.
      loaded = undefined;
    },
  };
}
