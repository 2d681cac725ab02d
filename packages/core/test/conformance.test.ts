/**
 * The protocol conformance cases (`test/protocol/cases.json`, copied from the shared spec) replayed
 * against real `lsml start` processes serving the §11 fixture models.
 *
 * Where the Python reference has a quirk the spec tells us not to copy, the case's own
 * `ts_recommendation` (or the quirk named below) gives the expectation instead.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnBackend, type SpawnedBackend } from './helpers/spawn-backend.js';

interface Expected {
  status: number;
  content_type?: string;
  json?: unknown;
  json_match?: unknown;
  body_text?: string;
  headers?: Record<string, string>;
}
interface Case {
  name: string;
  setup: { model?: string; env?: Record<string, string> };
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  raw_body?: string;
  expected: Expected;
  ts_recommendation?: { status?: number | string; json?: unknown; note?: string };
}

const cases = JSON.parse(fs.readFileSync(new URL('./protocol/cases.json', import.meta.url), 'utf8')) as Case[];
const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));

const MODELS: Record<string, string> = {
  Base: 'base.ts',
  Echo: 'echo.ts',
  ListEcho: 'list-echo.ts',
  Boom: 'boom.ts',
  MRRules: 'mr-rules.ts',
  ISM: 'interactive-substring-matching.ts',
  Sklearn: 'sklearn-text-classifier.ts',
  'Model that always returns exactly one prediction': 'one-prediction.ts',
  'predict returns {"foo": 1}': 'dict-no-predictions.ts',
  'predict returns {"predictions": [{"result": []}], "model_version": "x"}': 'dict-with-predictions.ts',
  'fit returns a Python set {1, 2}': 'fit-unserializable.ts',
  "fit raises FileNotFoundError('no such file: x')": 'fit-file-not-found.ts',
};

const ENVELOPE = { content_type: 'application/json' };

/**
 * Deliberate differences from the Python reference, each from the spec: a case's ts_recommendation,
 * or a quirk of §10 marked "don't copy".
 */
const DEVIATIONS: Record<string, Partial<Expected> & { why: string }> = {
  setup_extra_params_object_quirk: { status: 200, json: { model_version: '0.0.1' }, json_match: undefined, why: 'Q8' },
  setup_missing_project: { status: 422, json_match: { status: 422 }, ...ENVELOPE, why: 'ts_recommendation: 4xx preferred' },
  setup_malformed_schema: { status: 422, json_match: { status: 422 }, why: 'Q4: a malformed label config is bad input' },
  setup_integer_project_quirk: { status: 200, json: { model_version: '0.0.1' }, json_match: undefined, why: 'Q9' },
  predict_query_args_in_error_envelope: { status: 200, json: { results: [] }, json_match: undefined, why: 'Q10: params null is {}' },
  predict_malformed_json: { status: 400, json_match: { status: 400, request: {} }, why: 'Q4' },
  predict_wrong_content_type: { status: 415, json_match: { status: 415 }, why: 'Q4' },
  predict_json_array_body: { status: 400, json_match: { status: 400 }, why: 'Q4' },
  predict_dict_return_without_predictions_quirk: { status: 200, json: { results: [{ foo: 1 }] }, why: 'Q14: wrapped as one prediction' },
  webhook_start_training_sklearn_quirk: {
    status: 201,
    json: { result: { event: 'START_TRAINING', project: 7, trained: false }, status: 'ok' },
    ...ENVELOPE,
    why: 'Q22: ported example reads data.project.id',
  },
  webhook_fit_returns_unserializable: {
    status: 201,
    json: { error: 'Do not know how to serialize a BigInt', status: 'error' },
    why: 'TS analogue of a Python set',
  },
  webhook_missing_project: { status: 422, json_match: { status: 422 }, ...ENVELOPE, why: 'ts_recommendation' },
  webhook_no_payload_mode: { status: 422, json_match: { status: 422 }, ...ENVELOPE, why: 'ts_recommendation' },
  webhook_fit_raises_generic: { json_match: { status: 500, detail: 'RuntimeError: fit exploded' }, ...ENVELOPE, why: 'Q5: JSON, same status' },
  webhook_fit_raises_file_not_found: {
    json_match: { status: 404, detail: 'FileNotFoundError: no such file: x' },
    body_text: undefined,
    ...ENVELOPE,
    why: 'Q5: JSON, same status',
  },
  webhook_malformed_json: { json_match: { status: 400 }, ...ENVELOPE, why: 'Q5: JSON, same status' },
};

/** Not a request to the backend: it documents the LS API the labelling UI calls. */
const NOT_BACKEND = new Set(['ls_interactive_api_to_ls']);

function expectationFor(c: Case): Expected {
  const d = DEVIATIONS[c.name];
  if (!d) return c.expected;
  const { why: _why, ...rest } = d;
  return { ...c.expected, ...rest };
}

/** Recursive subset match (§11): listed keys must match; lists must have the same length. */
function expectMatch(actual: unknown, pattern: unknown, where = '$'): void {
  if (Array.isArray(pattern)) {
    expect(Array.isArray(actual), `${where} is a list`).toBe(true);
    const a = actual as unknown[];
    expect(a.length, `${where} length`).toBe(pattern.length);
    pattern.forEach((p, i) => expectMatch(a[i], p, `${where}[${i}]`));
  } else if (pattern !== null && typeof pattern === 'object') {
    expect(actual !== null && typeof actual === 'object', `${where} is an object`).toBe(true);
    for (const [k, v] of Object.entries(pattern)) {
      expect(actual, `${where} has ${k}`).toHaveProperty([k]);
      expectMatch((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
    }
  } else {
    expect(actual, where).toEqual(pattern);
  }
}

const servers = new Map<string, Promise<SpawnedBackend>>();
function serverFor(model: string, env: Record<string, string> | undefined): Promise<SpawnedBackend> {
  const key = `${model}|${JSON.stringify(env ?? {})}`;
  let s = servers.get(key);
  if (!s) {
    s = spawnBackend(fixture(MODELS[model]!), { env: { BASIC_AUTH_USER: '', BASIC_AUTH_PASS: '', ...env } });
    servers.set(key, s);
  }
  return s;
}

afterAll(async () => {
  const all = await Promise.allSettled(servers.values());
  await Promise.all(all.map((s) => (s.status === 'fulfilled' ? s.value.stop() : null)));
});

describe('protocol conformance (cases.json)', () => {
  it('has a fixture for every backend case', () => {
    const missing = cases.filter((c) => !NOT_BACKEND.has(c.name) && !MODELS[c.setup.model ?? '']).map((c) => c.name);
    expect(missing).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(49);
  });

  for (const c of cases) {
    if (NOT_BACKEND.has(c.name)) continue;
    it(c.name, async () => {
      const server = await serverFor(c.setup.model!, c.setup.env);
      const exp = expectationFor(c);
      const init: RequestInit = { method: c.method, headers: c.headers ?? {} };
      if (c.raw_body !== undefined) init.body = c.raw_body;
      else if (c.body !== null && c.body !== undefined) init.body = JSON.stringify(c.body);
      const res = await fetch(server.url + c.path, init);
      const text = await res.text();
      expect(res.status, text).toBe(exp.status);
      if (exp.content_type) {
        expect(res.headers.get('content-type')?.split(';')[0]).toBe(exp.content_type.split(';')[0]);
      }
      if (exp.body_text !== undefined) expect(text).toBe(exp.body_text);
      for (const [h, v] of Object.entries(exp.headers ?? {})) expect(res.headers.get(h)).toBe(v);
      if (exp.json !== undefined) expect(JSON.parse(text)).toEqual(exp.json);
      if (exp.json_match !== undefined) expectMatch(JSON.parse(text), exp.json_match);
    });
  }
});
