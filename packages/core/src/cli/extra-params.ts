// `lsml start --with KEY=VAL ...` (alias `--kwargs`, env LSML_EXTRA_PARAMS): default extra params for
// every project. The Python `_wsgi.py` parses the same flag but never hands it to the served model
// (Q20); here the values become the defaults of `this.extraParams`, and the "Extra params" Label Studio
// sends to /setup for a connection override them key by key.
import type { BackendClass, LabelStudioMLBase } from '../model/label-studio-ml-base.js';
import { CliError } from './load-backend.js';

export const EXTRA_PARAMS_ENV = 'LSML_EXTRA_PARAMS';

/** Python's coercion of `--kwargs` values: digits → int, true/false (any case Python accepts) → bool, numbers → float, else the string. */
export function coerceValue(v: string): unknown {
  if (/^[0-9]+$/.test(v)) return Number(v);
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  if (v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return v;
}

/** `['a=1', 'name=x=y']` → `{a: 1, name: 'x=y'}`. */
export function parseKeyValues(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--with expects KEY=VALUE, got "${pair}" (put --with after the model file)`);
    out[pair.slice(0, eq)] = coerceValue(pair.slice(eq + 1));
  }
  return out;
}

/** The defaults from LSML_EXTRA_PARAMS (a JSON object) and the flags (which win). */
export function defaultExtraParams(pairs: readonly string[] | undefined, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  let fromEnv: Record<string, unknown> = {};
  const raw = env[EXTRA_PARAMS_ENV];
  if (raw !== undefined && raw.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new CliError(`${EXTRA_PARAMS_ENV} must be a JSON object, e.g. {"threshold": 0.5}; got ${raw}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError(`${EXTRA_PARAMS_ENV} must be a JSON object, got ${raw}`);
    fromEnv = parsed as Record<string, unknown>;
  }
  return { ...fromEnv, ...parseKeyValues(pairs ?? []) };
}

/**
 * A subclass of `Model` whose `extraParams` are `{...defaults, ...what Label Studio sent}`. Same name
 * (so `/health` reports the same `model_class`), same statics (training policy, webhook events, preload).
 */
export function withDefaultExtraParams(Model: BackendClass, defaults: Record<string, unknown>): BackendClass {
  if (Object.keys(defaults).length === 0) return Model;
  const Base = Model as unknown as typeof LabelStudioMLBase;
  const Wrapped = class extends Base {
    override get extraParams(): Record<string, unknown> {
      return { ...defaults, ...super.extraParams };
    }
  };
  Object.defineProperty(Wrapped, 'name', { value: Model.name });
  return Wrapped as unknown as BackendClass;
}
