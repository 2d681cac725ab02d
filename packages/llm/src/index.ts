// @lsml/llm: LLM prompts as an lsml runtime — an OpenAI-compatible server (OpenAI, Azure OpenAI,
// Ollama, vLLM, llama.cpp) or a local transformers.js model — whose answers always fit the label config:
// `backend({ runtime: llmRuntime(settings), head: llmHead() })`.

// The runtime, its settings and its errors (the same nouns in every adapter)
export { llmRuntime, firstMessages, answerProblems, type LlmRuntime } from './runtime.js';
export {
  DEFAULTS,
  DEFAULT_SYSTEM_PROMPT,
  type LlmCommonSettings,
  type LlmRuntimeSettings,
  type LocalProviderSettings,
  type OpenAiProviderSettings,
  type ResolvedLimits,
} from './settings.js';
export { LlmError, type LlmErrorCode } from './errors.js';

// The backend: runtime + head + the project's remembered prompt
export { llmBackend, PROMPT_KEY_PREFIX, type LlmBackendOptions } from './llm-backend.js';

// The head: label config → answer schema, answer → regions that pass validation
export { llmHead, llmPrompt, placeAnswer, locate, DEFAULT_PROMPT_TEMPLATE, type LlmHeadOptions, type DroppedValue } from './head.js';
export { answerPlan, type AnswerField, type AnswerPlan, type AnswerPlanOptions } from './schema.js';
export { parseJsonAnswer, schemaProblems, type ParsedAnswer } from './json-answer.js';

// Providers and client limits (for custom wiring and tests)
export type { ChatAnswer, ChatMessage, ChatProvider, ChatRequest, TokenUsage } from './providers/provider.js';
export { openAiProvider, maskKey } from './providers/openai.js';
export { localProvider, chatAsPrompt, fitPrompt } from './providers/local.js';
export { Semaphore, limiterFor, retryAfterMs, backoffMs, sleep } from './limits.js';
