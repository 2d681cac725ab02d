// Settings of llmRuntime: which provider answers, and how patiently.

/** What every provider shares: limits that keep Label Studio's 100 s request budget. */
export interface LlmCommonSettings {
  /** The model: a name the server knows (`gpt-4o-mini`, `llama3.1`), or for `local` a folder / hub id. */
  readonly model: string;
  /** Identifier reported as `model_version` (default: `<provider>:<model>`). */
  readonly modelId?: string;
  /**
   * Instructions sent as the system message before the schema description (default:
   * `DEFAULT_SYSTEM_PROMPT`).
   */
  readonly systemPrompt?: string;
  /** Limit of one provider call in ms (default 30 000). */
  readonly timeoutMs?: number;
  /**
   * Limit of one task in ms, retries and the repair call included (default 80 000, under Label
   * Studio's 100 s): a retry whose wait would end after it is not made.
   */
  readonly deadlineMs?: number;
  /** Retries after a 429, a 5xx or a connection failure (default 2). */
  readonly maxRetries?: number;
  /** First backoff delay in ms when the provider sends no `Retry-After` (default 500; doubles, with jitter). */
  readonly retryBaseMs?: number;
  /** Calls in flight at once to this provider (default 4); more wait for a slot. */
  readonly concurrency?: number;
  /** Sampling temperature (default 0: labelling wants the most likely answer). */
  readonly temperature?: number;
  /** Most tokens of one answer (default 512). */
  readonly maxTokens?: number;
}

/**
 * An OpenAI-compatible chat-completions server over the official `openai` package: OpenAI, Azure
 * OpenAI (its `/openai/v1` base URL), Ollama (`http://localhost:11434/v1`), vLLM, llama.cpp server.
 */
export interface OpenAiProviderSettings extends LlmCommonSettings {
  readonly provider?: 'openai';
  /** Base URL of the API (default: `OPENAI_BASE_URL`, else `https://api.openai.com/v1`). */
  readonly baseURL?: string;
  /**
   * The API key (default: `OPENAI_API_KEY`; servers without keys, such as Ollama, take any string).
   * Never logged, and masked in any provider message that echoes it.
   */
  readonly apiKey?: string;
  /**
   * How the answer's shape is asked for: `json_schema` (structured outputs, the default: OpenAI,
   * Azure, Ollama ≥ 0.5, vLLM, llama.cpp), `json_object` (JSON mode), or `none` (the schema in the
   * prompt only). Whatever is chosen, the answer is checked and repaired once.
   */
  readonly structuredOutputs?: 'json_schema' | 'json_object' | 'none';
  /** Stream the answer (server-sent events) instead of waiting for one response (default false). */
  readonly stream?: boolean;
  /**
   * The request field that limits the answer's length: `max_tokens` (default; Ollama, vLLM, llama.cpp,
   * GPT-4o) or `max_completion_tokens` (OpenAI's reasoning models, which reject `max_tokens`).
   */
  readonly tokenLimitParam?: 'max_tokens' | 'max_completion_tokens';
  /** Extra HTTP headers on every call (e.g. `api-key` for older Azure deployments). */
  readonly defaultHeaders?: Readonly<Record<string, string>>;
}

/**
 * A text-generation model run in this process by transformers.js (a folder in the transformers.js
 * layout, or a hub id). Small local models rarely produce valid JSON: the answer is repaired once,
 * and whatever still does not fit is dropped.
 */
export interface LocalProviderSettings extends LlmCommonSettings {
  readonly provider: 'local';
  /** Which transformers.js library to use (default: whichever is installed). */
  readonly library?: '@huggingface/transformers' | '@xenova/transformers';
  /**
   * The model's context in tokens (default: its config's `n_positions` / `max_position_embeddings`).
   * A longer prompt keeps its end; an answer gets at most half the context.
   */
  readonly contextLength?: number;
}

/** Settings of `llmRuntime`: one provider. */
export type LlmRuntimeSettings = OpenAiProviderSettings | LocalProviderSettings;

/** The instructions every answer starts from. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are a data labelling assistant for Label Studio. Answer with one JSON object only, no prose, no code fences.';

/** Defaults of the limits (ms, counts). */
export const DEFAULTS = {
  timeoutMs: 30_000,
  deadlineMs: 80_000,
  maxRetries: 2,
  retryBaseMs: 500,
  concurrency: 4,
  temperature: 0,
  maxTokens: 512,
} as const;

/** The limits with defaults filled in, checked. */
export interface ResolvedLimits {
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  readonly concurrency: number;
  readonly temperature: number;
  readonly maxTokens: number;
}
