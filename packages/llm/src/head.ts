// llmHead: the label config as the answer's JSON schema, and the answer as regions that always pass
// Label Studio's validation — whatever the model said. What cannot be placed is dropped, with a warning
// naming the task.
import {
  contextPrompt,
  fillTemplate,
  textOf,
  toCodePointOffset,
  validatePrediction,
  type BoundHead,
  type HeadBinding,
  type HeadRequest,
  type LabelInterface,
  type PredictionValue,
  type ResultItem,
  type TaskHead,
  type Task,
  type TextInput,
  type TextOutput,
} from '@lsml/core';
import { parseJsonAnswer } from './json-answer.js';
import { answerPlan, type AnswerField, type AnswerPlanOptions } from './schema.js';

/** Options of `llmHead`. */
export interface LlmHeadOptions extends AnswerPlanOptions {
  /**
   * The prompt: `{text}` is the labelled text, `{prompt}` the interactive prompt, any other `{key}` a
   * `task.data` field. The project's extra param `prompt_template` overrides it. Default:
   * `DEFAULT_PROMPT_TEMPLATE`.
   */
  readonly promptTemplate?: string;
  /**
   * Where a `{text, label}` answer of a `<Labels>` control is placed: `all` (default) labels every
   * exact occurrence of the text, `first` only the first. Either way a text that does not occur is
   * dropped.
   */
  readonly spanMatch?: 'all' | 'first';
  /**
   * Return the prompt that came with the request (typed into the prompt TextArea, or the project's
   * stored prompt) as a region of the prompt TextArea too, so the annotation keeps it and
   * `llmBackend` can remember it when the annotation is submitted (default true; as the Python
   * `llm_interactive` example does).
   */
  readonly echoPrompt?: boolean;
}

/** The prompt when neither the options, the project nor the annotator give one. */
export const DEFAULT_PROMPT_TEMPLATE = 'Label the following text.\n\nText:\n{text}';

const HAS_PLACEHOLDER = /\{[A-Za-z_][\w.-]*\}/;

/**
 * The prompt of one task, first of: the annotator's interactive prompt (the prompt TextArea in the
 * context), the project's extra param `prompt_template`, the head's `promptTemplate`, the default.
 * A prompt without placeholders gets the text appended, so the model always sees it.
 */
export function llmPrompt(task: Task, text: string, request: Pick<HeadRequest, 'context' | 'extraParams'>, options: { promptTemplate?: string; promptControl?: string }): string {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(task.data ?? {})) vars[k] = typeof v === 'string' ? v : JSON.stringify(v);
  vars.text = text;
  const interactive = contextPrompt(request.context, options.promptControl);
  const extra = request.extraParams.prompt_template;
  const template = interactive ?? (typeof extra === 'string' && extra.trim() ? extra : undefined) ?? options.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE;
  vars.prompt = interactive ?? template;
  return HAS_PLACEHOLDER.test(template) ? fillTemplate(template, vars) : `${template}\n\nText:\n${text}`;
}

/** A value that was dropped from an answer, and why. */
export interface DroppedValue {
  readonly control: string;
  readonly value: unknown;
  readonly reason: string;
}

/** Every code-point span `[start, end)` where `needle` occurs in `text` (or only the first). */
export function locate(text: string, needle: string, match: 'all' | 'first'): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  if (needle === '') return found;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) {
    found.push({ start: toCodePointOffset(text, i), end: toCodePointOffset(text, i + needle.length) });
    if (match === 'first') break;
  }
  return found;
}

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 200);

/** Regions of one field of the answer, and what could not be placed. */
function placeField(f: AnswerField, value: unknown, toName: string, text: string, match: 'all' | 'first', dropped: DroppedValue[]): ResultItem[] {
  const name = f.control.name;
  const drop = (v: unknown, reason: string) => dropped.push({ control: name, value: v, reason });
  const region = (_type: string, v: Record<string, unknown>): ResultItem => f.control.region(v, { toName }) as unknown as ResultItem;
  if (value === undefined || value === null) return [];
  switch (f.kind) {
    case 'choices': {
      const list = Array.isArray(value) ? value : [value];
      if (!f.multiple && list.length > 1) {
        drop(value, 'a single-choice control got several values');
        return [];
      }
      const kept: string[] = [];
      for (const v of list) {
        if (typeof v !== 'string') drop(v, 'a choice must be a string');
        else if (!f.values.includes(v)) drop(v, `not a choice of the config (${f.values.join(', ')})`);
        else if (!kept.includes(v)) kept.push(v);
      }
      return kept.length ? [region('choices', { choices: kept })] : [];
    }
    case 'spans': {
      if (!Array.isArray(value)) {
        drop(value, 'spans must be a list of {text, label}');
        return [];
      }
      const out: ResultItem[] = [];
      const seen = new Set<string>();
      for (const item of value) {
        const o = item as { text?: unknown; label?: unknown } | null;
        if (!o || typeof o !== 'object' || typeof o.text !== 'string' || typeof o.label !== 'string') {
          drop(item, 'a span must be {text: string, label: string}');
          continue;
        }
        if (!f.values.includes(o.label)) {
          drop(item, `label not in the config (${f.values.join(', ')})`);
          continue;
        }
        const places = locate(text, o.text, match);
        if (places.length === 0) {
          drop(item, 'the span text does not occur in the task text');
          continue;
        }
        for (const { start, end } of places) {
          const key = `${start}:${end}:${o.label}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(region('labels', { start, end, text: o.text, labels: [o.label] }));
        }
      }
      return out;
    }
    case 'textarea': {
      if (typeof value !== 'string') {
        drop(value, 'a TextArea answer must be a string');
        return [];
      }
      const t = value.trim();
      return t ? [region('textarea', { text: [t] })] : [];
    }
    case 'number': {
      const ok = typeof value === 'number' && Number.isFinite(value) && (!f.integer || Number.isInteger(value)) && (f.min === undefined || value >= f.min) && (f.max === undefined || value <= f.max);
      if (!ok) {
        drop(value, `a ${f.integer ? 'whole ' : ''}number${f.min !== undefined ? ` ≥ ${f.min}` : ''}${f.max !== undefined ? ` ≤ ${f.max}` : ''} is needed`);
        return [];
      }
      return [region(f.type, { [f.type]: value })];
    }
    case 'taxonomy': {
      if (!Array.isArray(value)) {
        drop(value, 'taxonomy must be a list of paths');
        return [];
      }
      const paths: string[][] = [];
      for (const p of value) {
        const path = typeof p === 'string' ? [p] : p;
        if (!Array.isArray(path) || path.length === 0 || !path.every((n) => typeof n === 'string' && f.values.includes(n))) drop(p, 'a path of the config\'s taxonomy labels is needed');
        else paths.push(path as string[]);
      }
      return paths.length ? [region('taxonomy', { taxonomy: paths })] : [];
    }
  }
}

/**
 * The regions of an answer (`text`, the model's JSON) for one task, and everything dropped on the way.
 * The last gate is core's `validatePrediction`, region by region: nothing that fails it is returned.
 */
export function placeAnswer(
  li: LabelInterface,
  fields: readonly AnswerField[],
  toName: string,
  taskText: string,
  answerText: string,
  match: 'all' | 'first' = 'all',
): { result: ResultItem[]; dropped: DroppedValue[] } {
  const dropped: DroppedValue[] = [];
  const parsed = parseJsonAnswer(answerText);
  if (!parsed.ok) return { result: [], dropped: [{ control: '*', value: answerText.slice(0, 200), reason: parsed.error }] };
  const answer = parsed.value;
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) return { result: [], dropped: [{ control: '*', value: answer, reason: 'the answer is not a JSON object' }] };
  const result: ResultItem[] = [];
  for (const f of fields) {
    for (const region of placeField(f, (answer as Record<string, unknown>)[f.control.name], toName, taskText, match, dropped)) {
      const check = validatePrediction(li, { result: [region] });
      if (check.ok) result.push(region);
      else dropped.push({ control: f.control.name, value: (region as { value?: unknown }).value, reason: check.errors.map((e) => e.message).join('; ') });
    }
  }
  return { result, dropped };
}

/**
 * The head of `llmRuntime`: reads the label config into an answer plan (the first `<Text>` and every
 * Choices / Labels / TextArea (not the prompt) / Rating / Number / Taxonomy over it), asks for an
 * answer of that JSON schema with the task's prompt, and places the answer:
 * - Choices → `choices` of the values that exist in the config;
 * - Labels → `{start, end, text, labels}` at the exact code-point offsets of each occurrence of the
 *   answered text (`spanMatch`), a text that does not occur is dropped;
 * - TextArea → the trimmed string; Rating / Number → the number within its bounds; Taxonomy → paths of
 *   the config's labels.
 * Anything else the model says is dropped with a warning `{task, control, value, reason}`; a task whose
 * answer has nothing placeable gets no prediction (Label Studio asks again later).
 *
 * ```ts
 * export default backend({ runtime: llmRuntime({ model: 'gpt-4o-mini' }), head: llmHead({ promptTemplate: 'Classify the sentiment: {text}' }) });
 * ```
 */
export function llmHead(options: LlmHeadOptions = {}): TaskHead<'text', 'text'> {
  const match = options.spanMatch ?? 'all';
  return {
    name: 'llm',
    input: 'text',
    output: 'text',
    bind(binding: HeadBinding): BoundHead<'text', 'text'> {
      const li = binding.labelInterface as LabelInterface;
      const plan = answerPlan(binding.labelInterface, options);
      const first = plan.fields[0] as AnswerField;
      return {
        fromName: first.control.name,
        toName: plan.object.name,
        field: plan.field,
        toInput(task: Task, request: HeadRequest): TextInput {
          const text = textOf(task, plan.field);
          const prompt = llmPrompt(task, text, request, { ...(options.promptTemplate !== undefined ? { promptTemplate: options.promptTemplate } : {}), ...(plan.promptControl ? { promptControl: plan.promptControl } : {}) });
          return { kind: 'text', text, prompt, responseSchema: plan.schema };
        },
        toPrediction(output: TextOutput, input: TextInput, task: Task, request: HeadRequest): PredictionValue | null {
          const answer = output.texts[0]?.text ?? '';
          const { result, dropped } = placeAnswer(li, plan.fields, plan.object.name, input.text, answer, match);
          for (const d of dropped) {
            request.logger.warn({ task: task.id ?? null, control: d.control, value: d.value, reason: d.reason }, `LLM answer dropped for task ${task.id ?? '(without id)'}: ${d.reason}`);
          }
          if (result.length === 0) {
            request.logger.warn({ task: task.id ?? null }, `No prediction for task ${task.id ?? '(without id)'}: nothing in the LLM answer fits the label config`);
            return null;
          }
          const prompt = plan.promptControl && options.echoPrompt !== false ? contextPrompt(request.context, plan.promptControl) : undefined;
          const promptTag = prompt !== undefined ? li.controls.find((c) => c.name === plan.promptControl) : undefined;
          if (prompt !== undefined && promptTag) result.push(promptTag.region({ text: [prompt] }, { toName: plan.object.name }) as unknown as ResultItem);
          return { result };
        },
      };
    },
  };
}
