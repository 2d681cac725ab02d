// Any server that speaks OpenAI's chat-completions wire format, over the official `openai` package:
// structured outputs (`response_format: json_schema`), JSON mode, or the schema in the prompt only;
// non-streaming or streaming (server-sent events). The package's own retries are off: the runtime
// retries itself, so that Retry-After, the task's deadline and the metrics agree.
import OpenAI from 'openai';
import { LlmError } from '../errors.js';
import { retryAfterMs } from '../limits.js';
import type { OpenAiProviderSettings } from '../settings.js';
import type { ChatAnswer, ChatProvider, ChatRequest } from './provider.js';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Replaces every occurrence of the API key in `text` (provider messages may echo it). */
export function maskKey(text: string, apiKey: string | undefined): string {
  return apiKey && apiKey.length >= 4 ? text.split(apiKey).join('***') : text;
}

/** The OpenAI-compatible provider. */
export function openAiProvider(settings: OpenAiProviderSettings): ChatProvider {
  const baseURL = settings.baseURL ?? process.env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL;
  // Servers without keys (Ollama, llama.cpp) accept anything; the package insists on one.
  const apiKey = settings.apiKey ?? process.env.OPENAI_API_KEY ?? 'no-key';
  const mode = settings.structuredOutputs ?? 'json_schema';
  let client: OpenAI | undefined;

  const classify = (err: unknown, signal: AbortSignal): never => {
    if (signal.aborted) throw signal.reason;
    if (err instanceof OpenAI.APIConnectionTimeoutError) {
      throw new LlmError('provider_timeout', `The LLM provider at ${baseURL} did not answer within ${settings.timeoutMs ?? 30_000} ms`);
    }
    if (err instanceof OpenAI.APIUserAbortError) throw signal.reason ?? err;
    if (err instanceof OpenAI.APIConnectionError) {
      throw new LlmError('provider_unavailable', `Cannot reach the LLM provider at ${baseURL}: ${maskKey(String(err.cause instanceof Error ? err.cause.message : err.message), apiKey)}`);
    }
    if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
      const status = err.status;
      const detail = maskKey(err.message, apiKey);
      const wait = retryAfterMs(err.headers ?? undefined);
      const opts = { providerStatus: status, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
      if (status === 401 || status === 403) {
        throw new LlmError('provider_auth', `The LLM provider at ${baseURL} rejected the API key (HTTP ${status}): check OPENAI_API_KEY / apiKey. Provider said: ${detail}`, opts);
      }
      if (status === 404) throw new LlmError('provider_model', `The LLM provider at ${baseURL} does not serve model "${settings.model}" (HTTP 404): ${detail}`, opts);
      if (status === 429) throw new LlmError('provider_rate_limited', `The LLM provider at ${baseURL} is rate limiting (HTTP 429): ${detail}`, opts);
      if (status >= 500) throw new LlmError('provider_unavailable', `The LLM provider at ${baseURL} failed (HTTP ${status}): ${detail}`, opts);
      throw new LlmError('provider_request', `The LLM provider at ${baseURL} refused the request (HTTP ${status}): ${detail}`, opts);
    }
    throw new LlmError('provider_unavailable', `The LLM call to ${baseURL} failed: ${maskKey(err instanceof Error ? err.message : String(err), apiKey)}`);
  };

  return {
    name: 'openai',
    endpoint: `${baseURL}|${settings.model}`,
    threads: 'native',
    async load() {
      // `logLevel: 'off'`: the package never logs requests (their headers carry the key).
      client ??= new OpenAI({ apiKey, baseURL, maxRetries: 0, timeout: settings.timeoutMs ?? 30_000, logLevel: 'off', ...(settings.defaultHeaders ? { defaultHeaders: { ...settings.defaultHeaders } } : {}) });
    },
    async chat(request: ChatRequest): Promise<ChatAnswer> {
      if (!client) await this.load();
      const c = client as OpenAI;
      const { schema } = request;
      const responseFormat =
        schema && mode === 'json_schema'
          ? { response_format: { type: 'json_schema' as const, json_schema: { name: schema.name, schema: { ...schema.schema }, strict: true } } }
          : schema && mode === 'json_object'
            ? { response_format: { type: 'json_object' as const } }
            : {};
      const body = {
        model: settings.model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        temperature: request.temperature,
        [settings.tokenLimitParam ?? 'max_tokens']: request.maxTokens,
        ...responseFormat,
      };
      const options = { signal: request.signal, timeout: request.timeoutMs };
      try {
        if (settings.stream) {
          const stream = await c.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, options);
          let text = '';
          let usage: ChatAnswer['usage'];
          for await (const chunk of stream) {
            text += chunk.choices[0]?.delta?.content ?? '';
            if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
          }
          return { text, ...(usage ? { usage } : {}) };
        }
        const response = await c.chat.completions.create(body, options);
        const message = response.choices[0]?.message;
        const usage = response.usage ? { promptTokens: response.usage.prompt_tokens, completionTokens: response.usage.completion_tokens } : undefined;
        // A refusal (structured outputs) is an answer that fits nothing: the head drops it.
        return { text: message?.content ?? message?.refusal ?? '', ...(usage ? { usage } : {}) };
      } catch (err) {
        return classify(err, request.signal);
      }
    },
    async dispose() {
      client = undefined;
    },
  };
}
