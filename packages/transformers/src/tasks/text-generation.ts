// text-generation → generated texts. The prompt is `TextInput.prompt ?? text` (heads build prompts from
// templates and the interactive context); generation settings come from the runtime's options and,
// per request, `RunOptions.params`. Prompts with the same settings go through one left-padded batch.
import { numberParam, booleanParam, type RunOptions, type TextInput, type TextOutput } from '@lsml/core';
import { TransformersError } from '../errors.js';
import type { LoadedPipeline } from '../pipelines.js';
import type { GenerationParams, TextGenerationOptions } from '../settings.js';
import { batched, type TaskContext } from './context.js';

const NUMBER_PARAMS = ['max_new_tokens', 'min_new_tokens', 'temperature', 'top_k', 'top_p', 'repetition_penalty', 'no_repeat_ngram_size', 'num_beams'] as const;

/** Generation settings from options and params, `max_new_tokens` bounded by `maxNewTokensLimit`. */
export function generationParams(options: TextGenerationOptions, params: Readonly<Record<string, unknown>>): GenerationParams {
  const out: Record<string, number | boolean> = {};
  const base = (options.generation ?? {}) as Record<string, unknown>;
  for (const key of NUMBER_PARAMS) {
    const value = params[key] ?? base[key];
    if (value === undefined) continue;
    const n = numberParam(value, Number.NaN);
    if (!Number.isNaN(n)) out[key] = n;
  }
  const doSample = params.do_sample ?? base.do_sample;
  if (doSample !== undefined) out.do_sample = booleanParam(doSample, false);
  const limit = options.maxNewTokensLimit ?? 512;
  out.max_new_tokens = Math.max(1, Math.min(limit, Math.floor((out.max_new_tokens as number | undefined) ?? 64)));
  if (out.min_new_tokens !== undefined) out.min_new_tokens = Math.min(out.min_new_tokens as number, out.max_new_tokens);
  return out as GenerationParams;
}

/** One prompt with its settings. */
export interface GenerationItem {
  prompt: string;
  params: GenerationParams;
}

function isGenerationResult(v: unknown): v is { generated_text: unknown } {
  return typeof v === 'object' && v !== null && 'generated_text' in v;
}

/** Whether one pipeline output item carries a generated text. */
function hasText(output: unknown): boolean {
  return isGenerationResult(Array.isArray(output) ? output[0] : output);
}

/** The first generated text of one pipeline output item (`[{generated_text}]` or `{generated_text}`). */
function firstText(output: unknown): string {
  const first = Array.isArray(output) ? output[0] : output;
  if (!isGenerationResult(first)) throw new TransformersError('inference', 'text-generation pipeline returned no generated_text');
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
    for (const [i, item] of items.entries()) out[i] = firstText(await loaded.pipe(item.prompt, { ...item.params, return_full_text: false }));
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
    if (prompts.length === 1) {
      // A lone prompt skips the batch path (padding, attention-mask bookkeeping): measurably faster.
      out[indexes[0] as number] = firstText(await loaded.pipe(prompts[0], { ...params, return_full_text: false }));
      continue;
    }
    const result = (await loaded.pipe(prompts, { ...params, return_full_text: false })) as unknown[];
    for (const [k, itemIndex] of indexes.entries()) {
      // transformers.js v3 now and then answers `[]` for one prompt of a batch (seen with tiny-gpt2 at
      // batch sizes 22, 23, 26, 39): that prompt is generated again on its own instead of failing the batch.
      out[itemIndex] = hasText(result[k]) ? firstText(result[k]) : firstText(await loaded.pipe(prompts[k], { ...params, return_full_text: false }));
    }
  }
  return out;
}

/**
 * text-generation: `num_return_sequences` texts per input (default 1), trimmed (GPT-style
 * continuations start with a space). An empty prompt has no token to continue from, so it gets no
 * text (`texts: []`) instead of failing every prompt batched with it.
 */
export async function runTextGeneration(
  ctx: TaskContext,
  inputs: readonly TextInput[],
  options: TextGenerationOptions,
  params: RunOptions['params'] = {},
): Promise<TextOutput[]> {
  const settings = generationParams(options, params);
  const copies = Math.max(1, Math.min(8, Math.floor(numberParam(params.num_return_sequences, options.numReturnSequences ?? 1))));
  const prompts = inputs.map((i) => i.prompt ?? i.text);
  const items = prompts.flatMap((prompt) => (prompt === '' ? [] : Array.from({ length: copies }, () => ({ prompt, params: settings }))));
  const generated = await batched(ctx, 'text-generation', items, (batch) => generateTexts(ctx.loaded, batch));
  let next = 0;
  return prompts.map((prompt) => ({
    kind: 'text',
    texts: prompt === '' ? [] : Array.from({ length: copies }, () => ({ text: (generated[next++] as string).trim() })),
  }));
}
