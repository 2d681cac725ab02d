/**
 * LLM-assisted labelling for Label Studio: Choices and TextArea (and Labels, Rating, Number, Taxonomy)
 * over a Text, filled by a chat model whose answer is checked against the label config — a choice
 * that does not exist, a span that is not in the text or malformed JSON never reaches Label Studio.
 *
 * The prompt is, first of: what the annotator typed into a `<TextArea name="prompt…">` (interactive
 * mode), the project's prompt remembered from the last submitted annotation, the extra param
 * `prompt_template` (`{text}` and any `{field}` of the task data), PROMPT_TEMPLATE, a default.
 *
 * Environment:
 * - LLM_PROVIDER: `openai` (default; any OpenAI-compatible server) or `local` (transformers.js);
 * - OPENAI_BASE_URL: e.g. `http://localhost:11434/v1` for Ollama (default: OpenAI's API);
 * - OPENAI_API_KEY: the key (never logged; Ollama takes any string);
 * - LLM_MODEL: the model (`gpt-4o-mini`, `llama3.1`, or for `local` a model folder / hub id);
 * - LLM_STRUCTURED_OUTPUTS: `json_schema` (default), `json_object` or `none`;
 * - LLM_STREAM=1 to stream answers; LLM_TIMEOUT_MS (30000 per call), LLM_DEADLINE_MS (80000 per task),
 *   LLM_MAX_RETRIES (2), LLM_CONCURRENCY (4), LLM_TEMPERATURE (0), LLM_MAX_TOKENS (512);
 * - PROMPT_TEMPLATE: the default prompt; SPAN_MATCH: `all` (default) or `first`.
 */
import type { BackendClass } from '@lsml/core';
import { llmBackend, llmRuntime, type LlmRuntimeSettings } from '@lsml/llm';

const num = (v: string | undefined) => (v !== undefined && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** The runtime settings an environment describes. */
export function settingsFrom(env: NodeJS.ProcessEnv): LlmRuntimeSettings {
  const common = {
    model: env.LLM_MODEL || (env.LLM_PROVIDER === 'local' ? 'Xenova/gpt2' : 'gpt-4o-mini'),
    ...(num(env.LLM_TIMEOUT_MS) !== undefined ? { timeoutMs: num(env.LLM_TIMEOUT_MS) } : {}),
    ...(num(env.LLM_DEADLINE_MS) !== undefined ? { deadlineMs: num(env.LLM_DEADLINE_MS) } : {}),
    ...(num(env.LLM_MAX_RETRIES) !== undefined ? { maxRetries: num(env.LLM_MAX_RETRIES) } : {}),
    ...(num(env.LLM_CONCURRENCY) !== undefined ? { concurrency: num(env.LLM_CONCURRENCY) } : {}),
    ...(num(env.LLM_TEMPERATURE) !== undefined ? { temperature: num(env.LLM_TEMPERATURE) } : {}),
    ...(num(env.LLM_MAX_TOKENS) !== undefined ? { maxTokens: num(env.LLM_MAX_TOKENS) } : {}),
  };
  if (env.LLM_PROVIDER === 'local') return { provider: 'local', ...common };
  const mode = env.LLM_STRUCTURED_OUTPUTS;
  return {
    provider: 'openai',
    ...common,
    ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
    ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
    ...(mode === 'json_schema' || mode === 'json_object' || mode === 'none' ? { structuredOutputs: mode } : {}),
    stream: env.LLM_STREAM === '1' || env.LLM_STREAM === 'true',
  };
}

/** The app's backend class for an environment. */
export function llmLabeler(env: NodeJS.ProcessEnv = process.env): BackendClass {
  return llmBackend({
    runtime: llmRuntime(settingsFrom(env)),
    name: 'llm-labeler',
    head: {
      ...(env.PROMPT_TEMPLATE ? { promptTemplate: env.PROMPT_TEMPLATE } : {}),
      spanMatch: env.SPAN_MATCH === 'first' ? 'first' : 'all',
    },
  });
}

export default llmLabeler();
