// llmBackend: backend({ runtime, head: llmHead() }) plus the project's remembered prompt — what the
// Python `llm_interactive` example does in `fit`: the prompt of a submitted annotation is stored per
// project and used for the next tasks that come without an interactive prompt.
import { backend, contextPrompt, LabelStudioMLBase, type BackendClass, type PredictOptions, type PredictReturn, type Runtime, type Task, type WebhookData, type WebhookEvent } from '@lsml/core';
import { llmHead, type LlmHeadOptions } from './head.js';
import { answerPlan } from './schema.js';

/** Options of `llmBackend`. */
export interface LlmBackendOptions {
  /** The runtime (`llmRuntime(...)`), shared by every project. */
  readonly runtime: Runtime<'text', 'text'>;
  /** Options of the head (prompt template, controls, span matching). */
  readonly head?: LlmHeadOptions;
  /** Reported as `model_class` (default `llm`). */
  readonly name?: string;
  /** The projects' initial `model_version` (default: the runtime's `modelId`). */
  readonly modelVersion?: string;
  /**
   * Remember the prompt of each submitted annotation (ANNOTATION_CREATED / ANNOTATION_UPDATED) per
   * project, and use it when a request brings none; a changed prompt bumps the model version
   * (default true).
   */
  readonly rememberPrompt?: boolean;
}

/** State key of a project's remembered prompt (one per prompt TextArea name). */
export const PROMPT_KEY_PREFIX = 'llm:prompt:';

/**
 * A backend class for `lsml start`: the LLM answers through `llmHead` (every prediction passes Label
 * Studio's validation), and the project's prompt is remembered from annotations.
 *
 * ```ts
 * import { llmBackend, llmRuntime } from '@lsml/llm';
 * export default llmBackend({ runtime: llmRuntime({ baseURL: 'http://localhost:11434/v1', model: 'llama3.1' }) });
 * ```
 *
 * The prompt of a request is, first of: the prompt TextArea of the interactive context, the project's
 * remembered prompt, the extra param `prompt_template`, the head's `promptTemplate`, the default.
 */
export function llmBackend(options: LlmBackendOptions): BackendClass {
  const headOptions = options.head ?? {};
  const Base = backend({
    runtime: options.runtime,
    head: llmHead(headOptions),
    name: options.name ?? 'llm',
    ...(options.modelVersion ? { modelVersion: options.modelVersion } : {}),
  }) as unknown as typeof LabelStudioMLBase;
  const remember = options.rememberPrompt !== false;

  class LlmBackend extends Base {
    /** The prompt TextArea of this project's config, if it has one. */
    private promptControl(): string | undefined {
      try {
        return answerPlan(this.labelInterface, headOptions).promptControl;
      } catch {
        return undefined; // a config that does not fit answers 422 from predict itself
      }
    }

    override async predict(tasks: Task[], predictOptions: PredictOptions): Promise<PredictReturn> {
      const control = remember ? this.promptControl() : undefined;
      if (control && contextPrompt(predictOptions.context, control) === undefined) {
        const stored = await this.get(PROMPT_KEY_PREFIX + control);
        if (stored) {
          // The remembered prompt stands in for one typed by the annotator.
          const context = { result: [{ from_name: control, to_name: '', type: 'textarea', value: { text: [stored] } }] };
          return super.predict(tasks, { ...predictOptions, context: context as unknown as PredictOptions['context'] });
        }
      }
      return super.predict(tasks, predictOptions);
    }

    override async fit(event: WebhookEvent, data: WebhookData): Promise<unknown> {
      if (!remember || (event !== 'ANNOTATION_CREATED' && event !== 'ANNOTATION_UPDATED')) return null;
      const control = this.promptControl();
      const annotation = Array.isArray(data.annotation) ? data.annotation[0] : data.annotation;
      const prompt = control ? contextPrompt(annotation as PredictOptions['context'], control) : undefined;
      if (!control || prompt === undefined) return null;
      const key = PROMPT_KEY_PREFIX + control;
      if ((await this.get(key)) === prompt) return { prompt: 'unchanged' };
      await this.set(key, prompt);
      const version = await this.bumpModelVersion();
      this.logger.info({ control, model_version: version }, 'Remembered the prompt of the project');
      return { prompt: 'stored', model_version: version };
    }
  }
  Object.defineProperty(LlmBackend, 'name', { value: options.name ?? 'llm' });
  return LlmBackend as unknown as BackendClass;
}
