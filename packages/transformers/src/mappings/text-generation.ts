// text-generation → <TextArea>: the prompt is the task's text, the prompt typed into a prompt TextArea
// in the labelling UI (interactive `context`), or a template from extra_params; the generated text
// (without the prompt) becomes the TextArea's value.
import type { LabelInterface, PredictionValue, Task } from '@lsml/core';
import type { LoadedPipeline } from '../runtime.js';
import { booleanOption, findTarget, LabelConfigMismatchError, numberOption, textOf, type LabelTarget } from './shared.js';
import { batched, type MappingContext, type PredictInput, type TaskMapping, type TaskPredictions } from './task-mapping.js';

/** Generation settings passed to transformers.js (its own snake_case names). */
export interface GenerationParams {
  max_new_tokens?: number;
  min_new_tokens?: number;
  do_sample?: boolean;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  repetition_penalty?: number;
  no_repeat_ngram_size?: number;
  num_beams?: number;
}

const NUMBER_PARAMS = ['max_new_tokens', 'min_new_tokens', 'temperature', 'top_k', 'top_p', 'repetition_penalty', 'no_repeat_ngram_size', 'num_beams'] as const;

/** Options of {@link textGenerationMapping}. */
export interface TextGenerationOptions {
  /** Defaults for every request; extra_params keys of the same names override them. */
  generation?: GenerationParams;
  /**
   * Prompt template: `{text}` is the labelled object's value, `{prompt}` the interactive prompt, any
   * other `{key}` a `task.data` field. extra_params `prompt_template`.
   */
  promptTemplate?: string;
  /** The TextArea holding the prompt in interactive mode (default: one named `prompt…`). */
  promptControl?: string;
  /** Upper bound on `max_new_tokens`, whatever extra_params ask (default 512). */
  maxNewTokensLimit?: number;
  /** Generations per task, as several predictions (default 1; useful with `do_sample`); extra_params `num_return_sequences`. */
  numReturnSequences?: number;
}

export interface TextAreaTarget extends LabelTarget {
  promptControl: string | undefined;
}

/** One generation request: the prompt and its parameters. */
export interface GenerationItem {
  prompt: string;
  params: GenerationParams;
}

/** Generation settings from options and extra_params, bounded by `maxNewTokensLimit`. */
export function generationParams(options: TextGenerationOptions, extra: Record<string, unknown>): GenerationParams {
  const out: Record<string, number | boolean> = {};
  const base = (options.generation ?? {}) as Record<string, unknown>;
  for (const key of NUMBER_PARAMS) {
    const value = extra[key] ?? base[key];
    if (value !== undefined) out[key] = numberOption(value, Number.NaN);
    if (Number.isNaN(out[key])) delete out[key];
  }
  const doSample = extra.do_sample ?? base.do_sample;
  if (doSample !== undefined) out.do_sample = booleanOption(doSample, false);
  const limit = options.maxNewTokensLimit ?? 512;
  out.max_new_tokens = Math.max(1, Math.min(limit, Math.floor((out.max_new_tokens as number | undefined) ?? 64)));
  return out as GenerationParams;
}

function isGenerationResult(v: unknown): v is { generated_text: unknown } {
  return typeof v === 'object' && v !== null && 'generated_text' in v;
}

/** The first generated text of one pipeline output item (`[{generated_text}]` or `{generated_text}`). */
function firstText(output: unknown): string {
  const first = Array.isArray(output) ? output[0] : output;
  if (!isGenerationResult(first)) throw new Error('text-generation pipeline returned no generated_text');
  return typeof first.generated_text === 'string' ? first.generated_text : JSON.stringify(first.generated_text);
}

/**
 * Generate for each item: prompts with the same settings go through one batched (left-padded) call on
 * transformers.js v3+. v2 decodes one sequence at a time and ignores padding in batched generation,
 * so there each prompt runs alone.
 */
export async function generateTexts(loaded: LoadedPipeline, items: GenerationItem[]): Promise<string[]> {
  const out = new Array<string>(items.length);
  if (loaded.library.major < 3) {
    for (const [i, item] of items.entries()) {
      out[i] = firstText(await loaded.pipe(item.prompt, { ...item.params, return_full_text: false }));
    }
    return out;
  }
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const key = JSON.stringify(item.params);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const indexes of groups.values()) {
    const params = (items[indexes[0] as number] as GenerationItem).params;
    const prompts = indexes.map((i) => (items[i] as GenerationItem).prompt);
    const result = (await loaded.pipe(prompts, { ...params, return_full_text: false })) as unknown[];
    indexes.forEach((itemIndex, k) => (out[itemIndex] = firstText(result[k])));
  }
  return out;
}

/** `{name}` placeholders filled from `vars`; unknown names are left as they are. */
export function fillTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([A-Za-z_][\w.-]*)\}/g, (m, name: string) => (Object.hasOwn(vars, name) ? (vars[name] as string) : m));
}

/** The prompt the interactive UI sent: text of the prompt TextArea's region in `context.result`. */
export function contextPrompt(context: PredictInput['context'], promptControl: string | undefined): string | undefined {
  const result = (context as { result?: unknown } | null | undefined)?.result;
  if (!Array.isArray(result)) return undefined;
  for (const region of result as Array<Record<string, unknown>>) {
    if (region?.type !== 'textarea') continue;
    if (promptControl !== undefined && region.from_name !== promptControl) continue;
    const text = (region.value as { text?: unknown } | undefined)?.text;
    const joined = Array.isArray(text) ? text.map(String).join('\n') : typeof text === 'string' ? text : undefined;
    if (joined?.trim()) return joined;
  }
  return undefined;
}

/** Prompt for one task: template, else the interactive prompt (+ the text unless it has placeholders), else the text. */
export function buildPrompt(task: Task, field: string, template: string | undefined, interactive: string | undefined): string {
  const text = textOf(task, field);
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(task.data ?? {})) vars[k] = typeof v === 'string' ? v : JSON.stringify(v);
  vars.text = text;
  vars.prompt = interactive ?? text;
  if (template) return fillTemplate(template, vars);
  if (interactive) return /\{[A-Za-z_][\w.-]*\}/.test(interactive) ? fillTemplate(interactive, vars) : text ? `${interactive}\n\n${text}` : interactive;
  return text;
}

/** `text-generation` → a `<TextArea>` filled with the generated text. */
export function textGenerationMapping(options: TextGenerationOptions = {}): TaskMapping<TextAreaTarget> {
  return {
    prepare(li: LabelInterface | undefined, ctx: MappingContext): TextAreaTarget {
      void ctx;
      const objects = ['Text', 'HyperText', 'Paragraphs'];
      const textAreas = li?.controls.filter((c) => c.type.toLowerCase() === 'textarea') ?? [];
      const promptControl = options.promptControl ?? textAreas.find((c) => /^prompt/i.test(c.name))?.name;
      if (options.promptControl && li && !textAreas.some((c) => c.name === options.promptControl)) {
        throw new LabelConfigMismatchError(`promptControl "${options.promptControl}" is not a <TextArea> of the label config`);
      }
      if (li && promptControl && textAreas.length > 1) {
        // The response goes to the first TextArea that is not the prompt.
        try {
          const [fromName, toName, field] = li.getFirstTagOccurrence('TextArea', objects, { nameFilter: (n) => n !== promptControl.toLowerCase() });
          return { fromName, toName, field, promptControl };
        } catch {
          /* fall through to the generic error */
        }
      }
      return { ...findTarget(li, 'text-generation', 'TextArea', objects), promptControl };
    },
    async predict(target: TextAreaTarget, input: PredictInput, ctx: MappingContext): Promise<TaskPredictions[]> {
      const extra = input.extraParams;
      const params = generationParams(options, extra);
      const template = typeof extra.prompt_template === 'string' && extra.prompt_template ? extra.prompt_template : options.promptTemplate;
      const interactive = contextPrompt(input.context, target.promptControl);
      const copies = Math.max(1, Math.min(8, Math.floor(numberOption(extra.num_return_sequences, options.numReturnSequences ?? 1))));
      const items = input.tasks.flatMap((task) => {
        const prompt = buildPrompt(task, target.field, template, interactive);
        return Array.from({ length: copies }, () => ({ prompt, params }));
      });
      // An empty prompt has no token to continue from: transformers.js throws (v2, v3+ alone) or
      // generates from padding (v3+ in a batch), and a throw would fail every prompt batched with it.
      const generatedTexts = await batched(ctx, 'text-generation', items.filter((item) => item.prompt !== ''), (batch) => generateTexts(ctx.loaded, batch));
      let next = 0;
      const texts = items.map((item) => (item.prompt === '' ? '' : (generatedTexts[next++] as string)));
      return input.tasks.map((_, t) => {
        const own = texts.slice(t * copies, (t + 1) * copies);
        const predictions = own.map((generated): PredictionValue => {
          // Trimmed: GPT-style continuations start with a space, which a TextArea would show.
          const text = generated.trim();
          return {
            // Generation has no calibrated confidence; LS needs a number.
            score: 0,
            result: text ? [{ from_name: target.fromName, to_name: target.toName, type: 'textarea', value: { text: [text] } }] : [],
          };
        });
        return copies === 1 ? (predictions[0] as PredictionValue) : predictions;
      });
    },
  };
}
