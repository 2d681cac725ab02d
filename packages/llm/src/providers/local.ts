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

interface Tokenizer {
  encode?(text: string): number[];
  decode?(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

/**
 * The prompt cut to its last `budget` tokens when it is longer (a small model's context is short, e.g.
 * 128 positions for the test GPT-2): the end holds the task and where the answer starts.
 */
export function fitPrompt(prompt: string, tokenizer: Tokenizer | undefined, budget: number): string {
  if (!Number.isFinite(budget) || typeof tokenizer?.encode !== 'function' || typeof tokenizer.decode !== 'function') return prompt;
  const ids = tokenizer.encode(prompt);
  return ids.length <= budget ? prompt : tokenizer.decode(ids.slice(ids.length - Math.max(1, budget)), { skip_special_tokens: true });
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
      const tokenizer = (pipe as unknown as { tokenizer?: Tokenizer }).tokenizer;
      const config = (pipe.model as unknown as { config?: Record<string, unknown> }).config ?? {};
      const context = settings.contextLength ?? Number(config.n_positions ?? config.max_position_embeddings ?? Number.POSITIVE_INFINITY);
      const maxNew = Math.max(1, Math.min(request.maxTokens, Number.isFinite(context) ? Math.floor(context / 2) : request.maxTokens));
      const prompt = fitPrompt(chatAsPrompt(request.messages), tokenizer, context - maxNew);
      const out = (await pipe(prompt, {
        max_new_tokens: maxNew,
        do_sample: request.temperature > 0,
        ...(request.temperature > 0 ? { temperature: request.temperature } : {}),
        return_full_text: false,
      })) as Array<{ generated_text?: unknown }>;
      request.signal.throwIfAborted();
      const generated = out[0]?.generated_text;
      const text = typeof generated === 'string' ? generated : '';
      // Token counts from the model's own tokenizer, when it has one.
      const usage = typeof tokenizer?.encode === 'function' ? { promptTokens: tokenizer.encode(prompt).length, completionTokens: tokenizer.encode(text).length } : undefined;
      return { text, ...(usage ? { usage } : {}) };
    },
    async dispose() {
      // Pipelines are shared per process (@lsml/transformers); they stay for other users.
      loaded = undefined;
    },
  };
}
