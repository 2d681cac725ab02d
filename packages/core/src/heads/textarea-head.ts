// <TextArea> ← generated text: the prompt is the task's text, a template from extra_params, or the
// prompt typed into a prompt TextArea in the labelling UI (interactive context).
import { LabelConfigMismatchError } from '../errors.js';
import type { BoundHead, HeadBinding, HeadRequest, TaskHead } from '../contract/head.js';
import type { TextInput } from '../contract/inputs.js';
import type { TextOutput } from '../contract/outputs.js';
import { textOf } from '../contract/text.js';
import type { PredictionValue, Task } from '../protocol/types.js';
import { clampScore, findHeadTarget } from './head-targets.js';

/** Options of `textareaHead`. */
export interface TextareaHeadOptions {
  /** The TextArea the generated text goes to (default: the first one over a Text that is not the prompt). */
  readonly control?: string;
  /**
   * Prompt template: `{text}` is the labelled object's value, `{prompt}` the interactive prompt, any
   * other `{key}` a `task.data` field. extra_params `prompt_template` overrides it.
   */
  readonly promptTemplate?: string;
  /** The TextArea holding the prompt in interactive mode (default: one whose name starts with `prompt`). */
  readonly promptControl?: string;
}

const OBJECTS = ['Text', 'HyperText'];
const PLACEHOLDER = /\{([A-Za-z_][\w.-]*)\}/g;

/** `{name}` placeholders filled from `vars`; unknown names are left as they are. */
export function fillTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (m, name: string) => (Object.hasOwn(vars, name) ? (vars[name] as string) : m));
}

/** The prompt the interactive UI sent: the text of the prompt TextArea's region in `context.result`. */
export function contextPrompt(context: HeadRequest['context'], promptControl: string | undefined): string | undefined {
  const result = (context as { result?: unknown } | null | undefined)?.result;
  if (!Array.isArray(result)) return undefined;
  for (const region of result as Array<Record<string, unknown> | null>) {
    if (region?.type !== 'textarea') continue;
    if (promptControl !== undefined && region.from_name !== promptControl) continue;
    const text = (region.value as { text?: unknown } | undefined)?.text;
    const joined = Array.isArray(text) ? text.map(String).join('\n') : typeof text === 'string' ? text : undefined;
    if (joined?.trim()) return joined;
  }
  return undefined;
}

/**
 * The prompt for one task: the template if there is one, else the interactive prompt (followed by
 * the text, unless it has placeholders), else the text itself.
 */
export function buildPrompt(task: Task, text: string, template: string | undefined, interactive: string | undefined): string {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(task.data ?? {})) vars[k] = typeof v === 'string' ? v : JSON.stringify(v);
  vars.text = text;
  vars.prompt = interactive ?? text;
  if (template) return fillTemplate(template, vars);
  if (interactive) return /\{[A-Za-z_][\w.-]*\}/.test(interactive) ? fillTemplate(interactive, vars) : text ? `${interactive}\n\n${text}` : interactive;
  return text;
}

/**
 * The head for a `<TextArea>` over a `<Text>` filled by a generator: the input's `prompt` is built
 * per task (template → interactive prompt → text), and each generated text (trimmed) becomes one
 * prediction; several generations give several predictions. An empty generation is an empty
 * prediction (stored, so the task is not asked again at this version).
 *
 * ```ts
 * export default backend({ runtime: transformersRuntime({ task: 'text-generation', model }), head: textareaHead({ promptTemplate: 'Summarise: {text}' }) });
 * ```
 */
export function textareaHead(options: TextareaHeadOptions = {}): TaskHead<'text', 'text'> {
  return {
    name: 'textarea',
    input: 'text',
    output: 'text',
    bind(binding: HeadBinding): BoundHead<'text', 'text'> {
      const li = binding.labelInterface;
      const textAreas = li?.controls.filter((c) => c.type.toLowerCase() === 'textarea') ?? [];
      if (options.promptControl && li && !textAreas.some((c) => c.name === options.promptControl)) {
        throw new LabelConfigMismatchError(`promptControl "${options.promptControl}" is not a <TextArea> of the label config`);
      }
      const promptControl = options.promptControl ?? textAreas.find((c) => /^prompt/i.test(c.name))?.name;
      // The answer goes to a TextArea that is not the prompt (when there is another one).
      const answerName = options.control ?? textAreas.find((c) => c.name !== promptControl && c.objects.some((o) => OBJECTS.includes(o.type)))?.name;
      const { control, object, field } = findHeadTarget(li, ['TextArea'], OBJECTS, answerName);
      return {
        fromName: control.name,
        toName: object.name,
        field,
        toInput(task: Task, request: HeadRequest): TextInput {
          const text = textOf(task, field);
          const extraTemplate = request.extraParams.prompt_template;
          const template = typeof extraTemplate === 'string' && extraTemplate ? extraTemplate : options.promptTemplate;
          const prompt = buildPrompt(task, text, template, contextPrompt(request.context, promptControl));
          return { kind: 'text', text, prompt };
        },
        toPrediction(output: TextOutput): PredictionValue | PredictionValue[] {
          const predictions = output.texts.map((generated): PredictionValue => {
            // Trimmed: GPT-style continuations start with a space, which a TextArea would show.
            const text = generated.text.trim();
            const score = clampScore(generated.score);
            return { score, result: text ? [{ from_name: control.name, to_name: object.name, type: 'textarea', value: { text: [text] } }] : [] };
          });
          if (predictions.length === 0) return { score: 0, result: [] };
          return predictions.length === 1 ? (predictions[0] as PredictionValue) : predictions;
        },
      };
    },
  };
}
