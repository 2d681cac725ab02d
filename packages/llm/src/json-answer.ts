// Reading a model's answer as JSON and checking it against the answer schema: what decides whether the
// runtime asks for one repair, and what the head trusts nothing more than.

/** The answer read as JSON, or why it could not be. */
export type ParsedAnswer = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/**
 * Parse a model's answer as JSON. Tolerates what chat models wrap JSON in — a code fence, a sentence
 * before or after — by falling back to the outermost `{…}`; anything else is an error.
 */
export function parseJsonAnswer(text: string): ParsedAnswer {
  const trimmed = text.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch (err) {
    const start = trimmed.indexOf('{');
    const end = trimmed.lastIndexOf('}');
    if (start >= 0 && end > start) {
      try {
        return { ok: true, value: JSON.parse(trimmed.slice(start, end + 1)) };
      } catch {
        // fall through to the first error, which names the real problem
      }
    }
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, error: trimmed === '' ? 'the answer is empty' : `the answer is not JSON (${why})` };
  }
}

type Schema = Readonly<Record<string, unknown>>;

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Problems of `value` against `schema` (the subset answer schemas use: object with properties /
 * required / additionalProperties, array with items, string, number, integer, enum, minimum,
 * maximum), each as `at <path>: <what>`. Empty when the value fits.
 */
export function schemaProblems(value: unknown, schema: Schema, path = '$', out: string[] = []): string[] {
  const type = schema.type;
  const actual = typeOf(value);
  const fits =
    type === undefined ||
    (type === 'integer' ? typeof value === 'number' && Number.isInteger(value) : type === 'number' ? typeof value === 'number' && Number.isFinite(value) : actual === type);
  if (!fits) {
    out.push(`at ${path}: expected ${String(type)}, got ${actual}${actual === 'string' || actual === 'number' ? ` ${JSON.stringify(value)}` : ''}`);
    return out;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    out.push(`at ${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) out.push(`at ${path}: ${value} is below the minimum ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) out.push(`at ${path}: ${value} is above the maximum ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === 'object') {
    value.forEach((item, i) => schemaProblems(item, schema.items as Schema, `${path}[${i}]`, out));
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!Object.hasOwn(obj, key)) out.push(`at ${path}: "${key}" is missing`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = props[key];
      if (sub) schemaProblems(v, sub, `${path}.${key}`, out);
      else if (schema.additionalProperties === false) out.push(`at ${path}: "${key}" is not a field of the answer`);
    }
  }
  return out;
}
