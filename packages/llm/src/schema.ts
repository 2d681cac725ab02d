// The label config as the JSON schema of the answer: one property per control the model fills, named
// after the control, so an answer maps back to regions without guessing.
import { LabelConfigMismatchError, type ControlTag, type LabelInterface, type ObjectTag, type ResponseSchema } from '@lsml/core';

/** One control the model fills, with what its property accepts. */
export type AnswerField =
  /** `<Choices>` / `<Choices choice="multiple">`: one value, or a list of values, of the config. */
  | { readonly kind: 'choices'; readonly control: ControlTag; readonly values: readonly string[]; readonly multiple: boolean }
  /** `<Labels>` over `<Text>`: a list of `{text, label}`, located in the task text afterwards. */
  | { readonly kind: 'spans'; readonly control: ControlTag; readonly values: readonly string[] }
  /** `<TextArea>`: a string. */
  | { readonly kind: 'textarea'; readonly control: ControlTag }
  /** `<Rating>` (integer 1..maxRating) / `<Number>` (min..max of the tag). */
  | { readonly kind: 'number'; readonly control: ControlTag; readonly type: 'rating' | 'number'; readonly integer: boolean; readonly min?: number; readonly max?: number }
  /** `<Taxonomy>`: a list of paths from the root, each a list of the config's labels. */
  | { readonly kind: 'taxonomy'; readonly control: ControlTag; readonly values: readonly string[] };

/** The controls one task's answer fills, the object they label, and the schema of the answer. */
export interface AnswerPlan {
  /** The `<Text>` (or `<HyperText>`) every field labels (`to_name`). */
  readonly object: ObjectTag;
  /** Its `task.data` key. */
  readonly field: string;
  readonly fields: readonly AnswerField[];
  /** The TextArea holding the interactive prompt (not filled by the model), if any. */
  readonly promptControl: string | undefined;
  readonly schema: ResponseSchema;
}

/** Options of `answerPlan`. */
export interface AnswerPlanOptions {
  /** Only these controls (by name); default: every control the model can fill over the object. */
  readonly controls?: readonly string[];
  /** The prompt TextArea (default: a `<TextArea>` whose name starts with `prompt`). */
  readonly promptControl?: string;
}

const OBJECTS = new Set(['text', 'hypertext']);

function numberAttr(control: ControlTag, name: string): number | undefined {
  const raw = control.attrs[name];
  const n = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** The field a control becomes, or null when the model cannot fill it. */
function fieldOf(control: ControlTag, object: ObjectTag): AnswerField | null {
  // A per-region control needs a region first: it cannot be filled for the whole text.
  if (control.attrs.perRegion === 'true' || control.attrs.perregion === 'true') return null;
  switch (control.type.toLowerCase()) {
    case 'choices':
      if (control.labels.length === 0) return null;
      return { kind: 'choices', control, values: control.labels, multiple: control.attrs.choice === 'multiple' };
    case 'labels':
      // HyperText spans are XPath ranges: only plain text has offsets the answer can be located at.
      if (object.type.toLowerCase() !== 'text' || control.labels.length === 0) return null;
      return { kind: 'spans', control, values: control.labels };
    case 'textarea':
      return { kind: 'textarea', control };
    case 'rating': {
      const max = numberAttr(control, 'maxRating') ?? 5;
      return { kind: 'number', control, type: 'rating', integer: true, min: 1, max };
    }
    case 'number': {
      const min = numberAttr(control, 'min');
      const max = numberAttr(control, 'max');
      return { kind: 'number', control, type: 'number', integer: false, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    }
    case 'taxonomy':
      if (control.labels.length === 0) return null;
      return { kind: 'taxonomy', control, values: control.labels };
    default:
      return null;
  }
}

function propertySchema(f: AnswerField): Record<string, unknown> {
  const name = f.control.name;
  switch (f.kind) {
    case 'choices': {
      const one = { type: 'string', enum: [...f.values] };
      return f.multiple
        ? { type: 'array', items: one, description: `${name}: every value that applies, from the list` }
        : { ...one, description: `${name}: exactly one value from the list` };
    }
    case 'spans':
      return {
        type: 'array',
        description: `${name}: each mention, its text copied exactly from the text, with its label`,
        items: {
          type: 'object',
          properties: { text: { type: 'string' }, label: { type: 'string', enum: [...f.values] } },
          required: ['text', 'label'],
          additionalProperties: false,
        },
      };
    case 'textarea':
      return { type: 'string', description: `${name}: free text` };
    case 'number':
      return {
        type: f.integer ? 'integer' : 'number',
        ...(f.min !== undefined ? { minimum: f.min } : {}),
        ...(f.max !== undefined ? { maximum: f.max } : {}),
        description: `${name}: a ${f.integer ? 'whole ' : ''}number${f.min !== undefined && f.max !== undefined ? ` from ${f.min} to ${f.max}` : ''}`,
      };
    case 'taxonomy':
      return {
        type: 'array',
        description: `${name}: each category that applies, as its path from the root`,
        items: { type: 'array', items: { type: 'string', enum: [...f.values] } },
      };
  }
}

/**
 * Read the label config: the first `<Text>`/`<HyperText>` that a fillable control labels, every such
 * control over it (Choices, Labels, TextArea except the prompt, Rating, Number, Taxonomy), and the
 * answer's JSON schema — an object with one required property per control, no other properties (the
 * form OpenAI's strict structured outputs accept). Throws `LabelConfigMismatchError` (422) when there
 * is nothing to fill.
 */
export function answerPlan(li: LabelInterface | undefined, options: AnswerPlanOptions = {}): AnswerPlan {
  const need = 'This model needs a <Choices>, <Labels>, <TextArea>, <Rating>, <Number> or <Taxonomy> over a <Text>';
  if (!li) throw new LabelConfigMismatchError(`${need}; the project sent no label config`);
  const textAreas = li.controls.filter((c) => c.type.toLowerCase() === 'textarea');
  if (options.promptControl && !textAreas.some((c) => c.name === options.promptControl)) {
    throw new LabelConfigMismatchError(`promptControl "${options.promptControl}" is not a <TextArea> of the label config`);
  }
  const promptControl = options.promptControl ?? textAreas.find((c) => /^prompt/i.test(c.name))?.name;
  const wanted = options.controls ? new Set(options.controls) : undefined;
  for (const name of wanted ?? []) {
    if (!li.controls.some((c) => c.name === name)) throw new LabelConfigMismatchError(`${need}; the label config has no control named "${name}"`);
  }
  let object: ObjectTag | undefined;
  const fields: AnswerField[] = [];
  for (const control of li.controls) {
    if (control.name === promptControl || (wanted && !wanted.has(control.name))) continue;
    const target = control.objects.find((o) => OBJECTS.has(o.type.toLowerCase()) && o.valueName && (!object || o.name === object.name));
    if (!target) continue;
    const field = fieldOf(control, target);
    if (!field) continue;
    object ??= target;
    fields.push(field);
  }
  if (!object || fields.length === 0) {
    const has = li.controls.map((c) => `<${c.type} name="${c.name}">`).join(', ') || 'no controls';
    throw new LabelConfigMismatchError(`${need}; the label config has ${has}`);
  }
  const properties: Record<string, unknown> = {};
  for (const f of fields) properties[f.control.name] = propertySchema(f);
  return {
    object,
    field: object.valueName as string,
    fields,
    promptControl,
    schema: {
      name: 'label_studio_answer',
      schema: { type: 'object', properties, required: fields.map((f) => f.control.name), additionalProperties: false },
    },
  };
}
