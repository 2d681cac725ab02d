// llmRuntime: a chat model as a core Runtime<'text', 'text'>. Each input's prompt goes to the provider
// with the answer's JSON schema (when the head sends one); an answer that does not fit the schema gets
// ONE repair call; calls are limited per provider, retried on 429/5xx honouring Retry-After, bounded
// by a per-call timeout and a per-task deadline, and counted in the Prometheus metrics.
import { runtimeMetrics, type LoadOptions, type ResponseSchema, type RunOptions, type Runtime, type RuntimeInfo, type RuntimeLogger, type TextInput, type TextOutput } from '@lsml/core';
import { LlmError } from './errors.js';
import { parseJsonAnswer, schemaProblems } from './json-answer.js';
import { backoffMs, limiterFor, sleep } from './limits.js';
import { localProvider } from './providers/local.js';
import { openAiProvider } from './providers/openai.js';
import type { ChatAnswer, ChatMessage, ChatProvider } from './providers/provider.js';
import { DEFAULT_SYSTEM_PROMPT, DEFAULTS, type LlmRuntimeSettings, type ResolvedLimits } from './settings.js';

/** The runtime `llmRuntime` returns. */
export interface LlmRuntime extends Runtime<'text', 'text'> {
  /** `openai` or `local`. */
  readonly providerName: string;
}

const silent: RuntimeLogger = { debug() {}, info() {}, warn() {} };

function positive(name: string, value: number | undefined, fallback: number, min = 0): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new LlmError('invalid_settings', `llmRuntime: ${name} must be a number ≥ ${min}, got ${String(value)}`);
  return v;
}

function resolveLimits(s: LlmRuntimeSettings): ResolvedLimits {
  return {
    timeoutMs: positive('timeoutMs', s.timeoutMs, DEFAULTS.timeoutMs, 1),
    deadlineMs: positive('deadlineMs', s.deadlineMs, DEFAULTS.deadlineMs, 1),
    maxRetries: Math.floor(positive('maxRetries', s.maxRetries, DEFAULTS.maxRetries)),
    retryBaseMs: positive('retryBaseMs', s.retryBaseMs, DEFAULTS.retryBaseMs),
    concurrency: Math.floor(positive('concurrency', s.concurrency, DEFAULTS.concurrency, 1)),
    temperature: positive('temperature', s.temperature, DEFAULTS.temperature),
    maxTokens: Math.floor(positive('maxTokens', s.maxTokens, DEFAULTS.maxTokens, 1)),
  };
}

/** The messages of the first call: instructions + schema, then the prompt. */
export function firstMessages(input: TextInput, systemPrompt: string): ChatMessage[] {
  const schema = input.responseSchema;
  const system = schema ? `${systemPrompt}\n\nThe JSON object must follow this JSON schema:\n${JSON.stringify(schema.schema)}` : systemPrompt;
  return [
    { role: 'system', content: system },
    { role: 'user', content: input.prompt ?? input.text },
  ];
}

/** Problems of an answer against the schema: not JSON, or not fitting. */
export function answerProblems(text: string, schema: ResponseSchema): string[] {
  const parsed = parseJsonAnswer(text);
  return parsed.ok ? schemaProblems(parsed.value, schema.schema) : [parsed.error];
}

/**
 * A chat model (an OpenAI-compatible server, or a local transformers.js model) as an lsml runtime.
 * Pair it with `llmHead()`, which turns the label config into the answer's JSON schema and the answer
 * into regions that always pass Label Studio's validation.
 *
 * ```ts
 * import { backend } from '@lsml/core';
 * import { llmHead, llmRuntime } from '@lsml/llm';
 *
 * export default backend({
 *   runtime: llmRuntime({ baseURL: 'http://localhost:11434/v1', apiKey: 'ollama', model: 'llama3.1' }),
 *   head: llmHead(),
 * });
 * ```
 */
export function llmRuntime(settings: LlmRuntimeSettings): LlmRuntime {
  if (!settings || typeof settings.model !== 'string' || settings.model === '') throw new LlmError('invalid_settings', 'llmRuntime: `model` is required');
  const limits = resolveLimits(settings);
  const provider: ChatProvider = settings.provider === 'local' ? localProvider(settings) : openAiProvider(settings);
  const systemPrompt = settings.systemPrompt ?? DEFAULT_SYSTEM_PROMPT;
  const labels = { provider: provider.name, model: settings.model };
  let logger = silent;
  let loading: Promise<RuntimeInfo> | undefined;

  /** One provider call within a concurrency slot, retried on 429 / 5xx / connection failures. */
  const call = async (messages: readonly ChatMessage[], schema: ResponseSchema | undefined, signal: AbortSignal, deadline: number): Promise<ChatAnswer> => {
    const limiter = limiterFor(provider.endpoint, limits.concurrency);
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const timeoutMs = Math.max(1, Math.min(limits.timeoutMs, deadline - Date.now()));
        const answer = await limiter.use(() => provider.chat({ messages, ...(schema ? { schema } : {}), temperature: limits.temperature, maxTokens: limits.maxTokens, signal, timeoutMs }), signal);
        const seconds = (performance.now() - started) / 1000;
        runtimeMetrics.observe('lsml_llm_request_duration_seconds', 'LLM provider call latency (successful calls)', labels, seconds);
        runtimeMetrics.count('lsml_llm_requests_total', 'LLM provider calls by outcome', { ...labels, outcome: 'ok' });
        if (answer.usage) {
          runtimeMetrics.count('lsml_llm_tokens_total', 'LLM tokens used, by kind (prompt, completion)', { ...labels, kind: 'prompt' }, answer.usage.promptTokens);
          runtimeMetrics.count('lsml_llm_tokens_total', 'LLM tokens used, by kind (prompt, completion)', { ...labels, kind: 'completion' }, answer.usage.completionTokens);
        }
        logger.debug({ ...labels, ms: Math.round(seconds * 1000), usage: answer.usage }, 'LLM call answered');
        return answer;
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        const code = LlmError.is(err) ? err.code : 'error';
        runtimeMetrics.count('lsml_llm_requests_total', 'LLM provider calls by outcome', { ...labels, outcome: code });
        if (!(err instanceof LlmError) || !err.retryable || attempt >= limits.maxRetries) throw err;
        const wait = err.retryAfterMs ?? backoffMs(attempt, limits.retryBaseMs);
        if (Date.now() + wait >= deadline) {
          throw new LlmError(err.code as 'provider_rate_limited', `${err.message} (no retry: waiting ${Math.round(wait)} ms would pass the ${limits.deadlineMs} ms deadline)`, {
            ...(err.providerStatus !== undefined ? { providerStatus: err.providerStatus } : {}),
            ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
          });
        }
        logger.warn({ ...labels, code, providerStatus: err.providerStatus, waitMs: Math.round(wait), attempt: attempt + 1 }, 'LLM call failed: retrying');
        await sleep(wait, signal);
      }
    }
  };

  /** One task: the call, and one repair call when the answer does not fit its schema. */
  const answer = async (input: TextInput, outer: AbortSignal | undefined): Promise<TextOutput> => {
    const deadline = Date.now() + limits.deadlineMs;
    const timer = AbortSignal.timeout(limits.deadlineMs);
    const signal = outer ? AbortSignal.any([outer, timer]) : timer;
    try {
      const messages = firstMessages(input, systemPrompt);
      const schema = input.responseSchema;
      const first = await call(messages, schema, signal, deadline);
      if (!schema) return { kind: 'text', texts: [{ text: first.text }] };
      const problems = answerProblems(first.text, schema);
      if (problems.length === 0) return { kind: 'text', texts: [{ text: first.text }] };
      logger.debug({ ...labels, problems: problems.slice(0, 5) }, 'LLM answer does not fit the schema: asking once for a repair');
      const repairMessages: ChatMessage[] = [
        ...messages,
        { role: 'assistant', content: first.text },
        {
          role: 'user',
          content: `That answer does not fit the required JSON schema: ${problems.slice(0, 10).join('; ')}. Reply with the corrected JSON object only.`,
        },
      ];
      const second = await call(repairMessages, schema, signal, deadline);
      const left = answerProblems(second.text, schema);
      runtimeMetrics.count('lsml_llm_repairs_total', 'Answers that did not fit the schema, by the outcome of the one repair call', { ...labels, outcome: left.length === 0 ? 'fixed' : 'failed' });
      // The head places what it can of the better of the two; the rest is dropped with a warning.
      return { kind: 'text', texts: [{ text: left.length <= problems.length ? second.text : first.text }] };
    } catch (err) {
      if (outer?.aborted) throw outer.reason;
      if (timer.aborted) throw new LlmError('provider_timeout', `The LLM did not answer within the ${limits.deadlineMs} ms deadline of a task`, { cause: err });
      throw err;
    }
  };

  return {
    provider: 'llm',
    providerName: provider.name,
    modelId: settings.modelId ?? `${provider.name}:${settings.model}`,
    input: 'text',
    output: 'text',
    // One call per task (chat APIs take no batches); `shared`: the same provider serves every project.
    capabilities: { batching: false, shared: true, threads: provider.threads, trainable: false },
    load(options: LoadOptions = {}) {
      if (options.logger) logger = options.logger;
      loading ??= provider.load().then(
        () => ({}),
        (err: unknown) => {
          loading = undefined;
          throw err;
        },
      );
      return loading;
    },
    async run(inputs: readonly TextInput[], options: RunOptions = {}): Promise<TextOutput[]> {
      if (!Array.isArray(inputs)) throw new LlmError('invalid_input', 'llmRuntime.run takes a list of text inputs');
      inputs.forEach((input, i) => {
        const ok = input !== null && typeof input === 'object' && input.kind === 'text' && typeof input.text === 'string' && (input.prompt === undefined || typeof input.prompt === 'string');
        if (!ok) throw new LlmError('invalid_input', `llmRuntime takes text inputs ({kind: 'text', text, prompt?}); input ${i} is not one`);
      });
      options.signal?.throwIfAborted();
      await this.load();
      // The first provider failure fails the request: the other tasks' calls stop rather than run on for nobody.
      const stop = new AbortController();
      const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
      return Promise.all(
        inputs.map((input) =>
          answer(input, signal).catch((err: unknown) => {
            stop.abort(err);
            throw err;
          }),
        ),
      );
    },
    async dispose() {
      loading = undefined;
      await provider.dispose();
    },
  };
}
