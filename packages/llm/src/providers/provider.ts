// What the runtime needs from a provider: one chat call, answered with text and token usage, or a
// classified LlmError.
import type { ResponseSchema } from '@lsml/core';

/** One chat message. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** One call. */
export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  /** The answer's schema, for providers with structured outputs. */
  readonly schema?: ResponseSchema;
  readonly temperature: number;
  readonly maxTokens: number;
  /** Aborts the call (the request went away, or the task's deadline passed). */
  readonly signal: AbortSignal;
  /** Limit of this call in ms. */
  readonly timeoutMs: number;
}

/** Token counts of one call, when the provider reports them. */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** What one call answered. */
export interface ChatAnswer {
  readonly text: string;
  readonly usage?: TokenUsage;
}

/** A provider: `openai` (any OpenAI-compatible server) or `local` (transformers.js in this process). */
export interface ChatProvider {
  /** `openai` or `local`, the `provider` label of the metrics. */
  readonly name: string;
  /** The endpoint: calls with the same key share one concurrency limit. */
  readonly endpoint: string;
  /** Where inference runs (`native`: on another server, or in onnxruntime's threads). */
  readonly threads: 'native' | 'event-loop';
  /** Prepare the provider (load a local model, check settings); idempotent. */
  load(): Promise<void>;
  /** One call; rejects with an `LlmError` (or the signal's reason once aborted). */
  chat(request: ChatRequest): Promise<ChatAnswer>;
  /** Release what `load` took (a local pipeline, open connections). */
  dispose(): Promise<void>;
}
