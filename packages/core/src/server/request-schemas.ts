import { z } from 'zod';
import { HttpError } from './http-errors.js';

/**
 * Bodies are checked only as deep as the server reads them: Label Studio adds and renames task and
 * project columns between versions, so unknown keys always pass (§4.3, §4.4: "ignore unknown keys").
 */
const projectRef = z.union([z.string(), z.number().finite()]);
const labelConfig = z.string().nullish();
const jsonObject = z.record(z.string(), z.unknown());

export const setupSchema = z.looseObject({
  project: projectRef,
  schema: labelConfig,
  extra_params: z.unknown().optional(),
});

export const predictSchema = z.looseObject({
  // Python passes a dict through (`tests/test_api.py` sends one); we treat it as one task.
  tasks: z.preprocess((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? [v] : v), z.array(jsonObject)),
  project: projectRef.nullish(),
  label_config: labelConfig,
  params: jsonObject.nullish(),
});

export const webhookSchema = z.looseObject({
  action: z.string().min(1),
});

export const webhookProjectSchema = z.looseObject({
  project: z.looseObject({
    id: projectRef,
    label_config: labelConfig,
  }),
});

export const jobStatusSchema = z.looseObject({
  job: z.union([z.string().min(1), z.number()]),
});

/** Parse or throw a 422 naming every bad field (`tasks[2]`, `project.id`). */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({ field: formatPath(issue.path), message: issue.message }));
  const detail = errors.map((e) => `${e.field || 'body'}: ${e.message}`).join('; ');
  throw new HttpError(422, `Invalid request: ${detail}`, errors);
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isProjectRef = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const isLabelConfig = (v: unknown) => v === undefined || v === null || typeof v === 'string';

/**
 * `parseBody(predictSchema, body)` with a hand-written check for the common, valid body first: this
 * runs on every prediction, and a zod parse copies the whole body. Anything the check does not pass
 * goes through zod, so errors name the same fields.
 */
export function parsePredictBody(body: unknown): z.infer<typeof predictSchema> {
  if (isRecord(body)) {
    const raw = body.tasks;
    const tasks = isRecord(raw) ? [raw] : raw;
    if (
      Array.isArray(tasks) &&
      tasks.every(isRecord) &&
      (body.project == null || isProjectRef(body.project)) &&
      isLabelConfig(body.label_config) &&
      (body.params == null || isRecord(body.params))
    ) {
      return { ...body, tasks } as z.infer<typeof predictSchema>;
    }
  }
  return parseBody(predictSchema, body);
}
