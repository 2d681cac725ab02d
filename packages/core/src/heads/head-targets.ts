// What every head does when it binds: find its control/object pair in the label config, or say
// exactly what the model needs; read per-request options from extra_params.
import { LabelConfigMismatchError } from '../errors.js';
import type { ControlTag, LabelInterface, ObjectTag } from '../label-config/label-interface.js';

/** Where a head's predictions go: the control (`from_name`), the object (`to_name`), the data key. */
export interface HeadTarget {
  readonly control: ControlTag;
  readonly object: ObjectTag;
  /** `task.data` key of the object's value (`$text` → `text`). */
  readonly field: string;
}

/** `a`, `a or b`, `a, b or c` of tag names written as `<Tag>`. */
export function tagList(types: readonly string[]): string {
  const tags = types.map((t) => `<${t}>`);
  return tags.length <= 1 ? (tags[0] ?? '') : `${tags.slice(0, -1).join(', ')} or ${tags[tags.length - 1]}`;
}

/**
 * The first control of one of `controlTypes` (document order) linked to an object of one of
 * `objectTypes`; `name` picks a control by name. Throws `LabelConfigMismatchError` naming what the
 * model needs and what the config has instead.
 */
export function findHeadTarget(
  li: LabelInterface | undefined,
  controlTypes: readonly string[],
  objectTypes: readonly string[],
  name?: string,
): HeadTarget {
  const need = `This model needs a ${tagList(controlTypes)} over a ${tagList(objectTypes)}`;
  if (!li) throw new LabelConfigMismatchError(`${need}; the project sent no label config`);
  const controls = new Set(controlTypes.map((t) => t.toLowerCase()));
  const objects = new Set(objectTypes.map((t) => t.toLowerCase()));
  for (const control of li.controls) {
    if (!controls.has(control.type.toLowerCase())) continue;
    if (name !== undefined && control.name !== name) continue;
    for (const object of control.objects) {
      if (!objects.has(object.type.toLowerCase())) continue;
      if (object.valueName === null || object.valueName === '') continue;
      return { control, object, field: object.valueName };
    }
  }
  const named = name !== undefined ? ` named "${name}"` : '';
  const present = li.controls.filter((c) => controls.has(c.type.toLowerCase())).map((c) => `<${c.type} name="${c.name}" toName="${c.toName.join(',')}">`);
  const has = present.length > 0 ? `the label config has ${present.join(', ')} only` : 'the label config has none';
  throw new LabelConfigMismatchError(`${need}${named}; ${has}`);
}

/** A number from extra_params / options (numbers and numeric strings), or the fallback. */
export function numberParam(value: unknown, fallback: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

/** A boolean from extra_params / options (`true`/`false`, `1`/`0`, and their strings), or the fallback. */
export function booleanParam(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  return fallback;
}

/** A score clamped into [0, 1] (Label Studio rejects a prediction whose score is outside). */
export function clampScore(score: number | undefined): number {
  return typeof score === 'number' && Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : 0;
}
