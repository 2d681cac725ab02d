// The model-independent protocol cases of cases.json (the spec's conformance file, copied into
// protocol/), replayed against any backend URL with lsml's documented expectations: Python's status
// where Label Studio depends on it, 4xx JSON where the spec says not to copy a Python 500 (§10).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basicAuthHeader, preview, request, targetOf, type BackendTarget, type BasicAuth, type KitResponse } from './http.js';
import { KitError } from './kit-error.js';

/** One case of `protocol/cases.json` (PROTOCOL.md §11). */
export interface ProtocolCase {
  name: string;
  source?: string;
  setup: { model?: string; env?: Record<string, string>; [key: string]: unknown };
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  raw_body?: string;
  expected: { status: number; content_type?: string; json?: unknown; json_match?: unknown; body_text?: string; headers?: Record<string, string>; facts?: unknown };
  ts_recommendation?: { status?: number | string; json?: unknown; note?: string };
}

let cached: ProtocolCase[] | undefined;
/** The conformance cases shipped with the kit (`@lsml/testing/protocol/cases.json`). */
export function protocolCases(): ProtocolCase[] {
  cached ??= JSON.parse(fs.readFileSync(fileURLToPath(new URL('../protocol/cases.json', import.meta.url)), 'utf8')) as ProtocolCase[];
  return cached;
}

/** Options of {@link replayConformanceCases}. */
export interface ReplayOptions {
  /**
   * The label config the backend serves; replaces the sentiment config of the cases in every `/setup`
   * and webhook (a model that checks its config in `setup()` would reject the cases' one).
   */
  labelConfig?: string;
  /** Credentials the backend requires; the auth cases run only when they are known. Default: the target's. */
  auth?: BasicAuth;
  /** Expected `/health` `model_class`; default: the target's (class mode), else any non-empty string. */
  modelClass?: string;
  /** Webhook actions the model opts into (the "unknown event" case skips those); default: the target's. */
  webhookEvents?: readonly string[];
  /** Run only these cases (names as in `replayConformanceCases.caseNames()`). */
  only?: readonly string[];
  /** Leave these cases out. */
  skip?: readonly string[];
  /** Project ids of the cases are shifted by this much so they do not touch real projects (default 9000). */
  projectIdBase?: number;
  /** Default true: throw a `KitError` listing every failed case. */
  throwOnFailure?: boolean;
}

/** How one conformance case went, with the problems found. */
export interface CaseOutcome {
  name: string;
  /** Where the case comes from: a cases.json name or a PROTOCOL.md section. */
  from: string;
  method: string;
  path: string;
  status?: number;
  problems: string[];
}

/** What {@link replayConformanceCases} returns: the cases that passed, failed and were skipped. */
export interface ConformanceReport {
  passed: CaseOutcome[];
  failed: CaseOutcome[];
  skipped: Array<{ name: string; reason: string }>;
}

type Check = (res: KitResponse, ctx: CaseContext) => string[];
interface CaseContext {
  modelClass: string | undefined;
}
interface KitCase {
  name: string;
  from: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  /** `false`: no credentials; a string: this Authorization header. Default: the target's credentials. */
  auth?: false | string;
  check: Check;
  /** Why the case cannot run against this target, if it cannot. */
  skipIf?: (o: ResolvedOptions) => string | undefined;
}
interface ResolvedOptions {
  auth: BasicAuth | undefined;
  webhookEvents: readonly string[];
}

// ---- expectations ----------------------------------------------------------------------------------

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const mediaType = (res: KitResponse) => res.contentType.split(';')[0]!.trim().toLowerCase();

function status(...allowed: number[]): Check {
  return (res) => (allowed.includes(res.status) ? [] : [`status ${res.status}, expected ${allowed.join(' or ')}: ${preview(res)}`]);
}
function jsonBody(res: KitResponse): string[] {
  return mediaType(res) === 'application/json' && res.json !== undefined ? [] : [`expected a JSON body, got ${res.contentType || 'no content type'}: ${preview(res)}`];
}
function all(...checks: Check[]): Check {
  return (res, ctx) => checks.flatMap((c) => c(res, ctx));
}
function equalsJson(expected: unknown): Check {
  return (res) => (JSON.stringify(res.json) === JSON.stringify(expected) ? [] : [`body ${preview(res)}, expected ${JSON.stringify(expected)}`]);
}
/** The JSON error envelope `{status, detail}` with the HTTP status repeated inside (lsml's error shape). */
function errorEnvelope(...allowed: number[]): Check {
  return all(status(...allowed), (res) => {
    const problems = jsonBody(res);
    if (problems.length) return problems;
    const body = res.json as Record<string, unknown>;
    if (!isObj(body) || body.status !== res.status || typeof body.detail !== 'string') return [`expected {"status": ${res.status}, "detail": "..."}, got ${preview(res)}`];
    return [];
  });
}
const healthBody: Check = all(status(200), (res, ctx) => {
  const problems = jsonBody(res);
  if (problems.length) return problems;
  const body = res.json as Record<string, unknown>;
  if (!isObj(body) || body.status !== 'UP' || typeof body.model_class !== 'string' || body.model_class === '') {
    return [`expected {"model_class": "<class name>", "status": "UP"}, got ${preview(res)}`];
  }
  if (ctx.modelClass !== undefined && body.model_class !== ctx.modelClass) return [`model_class ${JSON.stringify(body.model_class)}, expected ${JSON.stringify(ctx.modelClass)}`];
  return [];
});
const setupOk: Check = all(status(200), (res) => {
  const problems = jsonBody(res);
  if (problems.length) return problems;
  const v = (res.json as Record<string, unknown>).model_version;
  return typeof v === 'string' && v !== '' ? [] : [`expected {"model_version": "<non-empty string>"} (Label Studio stores it as the backend's version), got ${preview(res)}`];
});
const unauthorized: Check = all(status(401), (res) => {
  const out: string[] = [];
  if (res.text !== 'Unauthorized') out.push(`body ${JSON.stringify(preview(res, 60))}, expected "Unauthorized"`);
  if (res.headers.get('www-authenticate') !== 'Basic realm="Login required"') out.push(`WWW-Authenticate ${JSON.stringify(res.headers.get('www-authenticate'))}, expected 'Basic realm="Login required"'`);
  return out;
});
const notFound: Check = status(404);

// ---- the cases -------------------------------------------------------------------------------------

const SENTIMENT = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/></Choices></View>';

function buildCases(o: { labelConfig: string; projectIdBase: number; auth: BasicAuth | undefined }): KitCase[] {
  const byName = new Map(protocolCases().map((c) => [c.name, c]));
  const pid = (id: number) => o.projectIdBase + id;
  const uid = (id: number) => `${pid(id)}.1714554000`;
  const schema = o.labelConfig;
  /** A case of cases.json with our label config and shifted project ids. */
  const from = (name: string, patch: (c: ProtocolCase) => Partial<KitCase> & { check: Check }): KitCase => {
    const c = byName.get(name);
    if (!c) throw new Error(`cases.json has no case ${name}`);
    const body = c.body === null ? undefined : c.body;
    return { name, from: `cases.json#${name}`, method: c.method, path: c.path, headers: c.headers, body, rawBody: c.raw_body, ...patch(c) };
  };
  const withConfig = (body: unknown, projectId?: string | number): unknown => {
    if (!isObj(body)) return body;
    const out: Record<string, unknown> = { ...body };
    if (typeof out.schema === 'string' && out.schema !== '<View>') out.schema = schema;
    if (typeof out.label_config === 'string') out.label_config = schema;
    if (projectId !== undefined) out.project = projectId;
    if (isObj(out.project)) out.project = { ...out.project, id: pid(Number(out.project.id)), label_config: schema };
    return out;
  };

  const cases: KitCase[] = [
    // Liveness and placeholder routes (§4.1, §4.2, §2).
    from('health_root_get', () => ({ check: healthBody })),
    { name: 'health_get', from: 'PROTOCOL.md §4.1', method: 'GET', path: '/health', check: healthBody },
    { name: 'health_head', from: 'PROTOCOL.md §2', method: 'HEAD', path: '/health', check: status(200) },
    from('metrics_get', () => ({ check: all(status(200), jsonBody, equalsJson({})) })),
    from('versions_not_implemented_404', () => ({
      // §5.8: a backend MAY implement /versions; 404 is the compatible default.
      check: (res) => (res.status === 404 || (res.status === 200 && isObj(res.json) && Array.isArray(res.json.versions)) ? [] : [`status ${res.status}, expected 404 (or 200 {"versions": [...]})`]),
    })),
    from('legacy_train_404', (c) => ({ body: withConfig(c.body, uid(7)), check: notFound })),
    { name: 'health_trailing_slash_404', from: 'PROTOCOL.md §2', method: 'GET', path: '/health/', check: notFound },
    {
      name: 'predict_wrong_method_405',
      from: 'PROTOCOL.md §2',
      method: 'GET',
      path: '/predict',
      check: all(status(405), (res) => (res.headers.get('allow')?.replace(/\s/g, '') === 'POST,OPTIONS' ? [] : [`Allow ${JSON.stringify(res.headers.get('allow'))}, expected "POST, OPTIONS"`])),
    },
    { name: 'predict_options', from: 'PROTOCOL.md §2', method: 'OPTIONS', path: '/predict', check: status(200) },

    // /setup variants (§4.3).
    from('setup_extra_params_json_string', (c) => ({ body: withConfig(c.body, uid(9)), check: setupOk })),
    from('setup_extra_params_empty_object', (c) => ({ body: { ...(withConfig(c.body, uid(1)) as object), schema }, check: setupOk })),
    from('setup_extra_params_object_quirk', (c) => ({ body: withConfig(c.body, uid(8)), check: setupOk })),
    // Label Studio always sends the schema; without one lsml reuses the project's known config.
    from('setup_no_schema', () => ({ body: { project: uid(9) }, check: setupOk })),
    from('setup_integer_project_quirk', (c) => ({ body: withConfig(c.body, pid(7)), check: setupOk })),
    from('setup_missing_project', (c) => ({ body: withConfig(c.body), check: errorEnvelope(400, 422) })),
    from('setup_malformed_schema', (c) => ({ body: withConfig(c.body, uid(10)), check: errorEnvelope(400, 422, 500) })),
    { name: 'setup_malformed_json', from: 'PROTOCOL.md §2.1, Q4', method: 'POST', path: '/setup', headers: { 'Content-Type': 'application/json' }, rawBody: '{"project": ', check: errorEnvelope(400) },

    // Malformed requests get 4xx JSON, not Python's 500 (Q4).
    from('predict_malformed_json', () => ({ check: errorEnvelope(400) })),
    from('predict_wrong_content_type', () => ({ check: errorEnvelope(415) })),
    from('predict_json_array_body', () => ({ check: errorEnvelope(400) })),
    from('webhook_malformed_json', () => ({ check: errorEnvelope(400) })),

    // /webhook (§4.5).
    from('webhook_annotations_deleted_plural_is_unknown', (c) => ({
      body: withConfig(c.body),
      check: all(status(200), equalsJson({ status: 'Unknown event' })),
      skipIf: (r) => (r.webhookEvents.includes('ANNOTATIONS_DELETED') ? 'the model opts into ANNOTATIONS_DELETED (webhookEvents)' : undefined),
    })),
    {
      name: 'webhook_unknown_event',
      from: 'PROTOCOL.md §4.5 step 2',
      method: 'POST',
      path: '/webhook',
      body: { action: 'LSML_KIT_UNKNOWN_EVENT', project: { id: pid(7), label_config: schema } },
      check: all(status(200), equalsJson({ status: 'Unknown event' })),
    },
    from('webhook_missing_project', () => ({ check: errorEnvelope(400, 422) })),
    from('webhook_no_payload_mode', () => ({ check: errorEnvelope(400, 422) })),
    { name: 'job_status_unknown_job', from: 'PROTOCOL.md §5.2', method: 'POST', path: '/job_status', body: { job: 'lsml-kit-no-such-job' }, check: status(404) },
  ];

  // Basic auth (§3), only when the credentials are known.
  const needsAuth = (r: ResolvedOptions) => (r.auth ? undefined : 'no basic auth configured (pass `auth` or start the backend with `basicAuth`)');
  const wrong = (user: string, pass: string) => basicAuthHeader({ user, pass });
  const a = o.auth ?? { user: 'user', pass: 'pass' };
  cases.push(
    from('auth_missing_credentials', () => ({ auth: false, check: unauthorized, skipIf: needsAuth })),
    from('auth_wrong_password', () => ({ auth: wrong(a.user, `${a.pass}-wrong`), headers: {}, check: unauthorized, skipIf: needsAuth })),
    from('auth_wrong_user', () => ({ auth: wrong(`${a.user}-wrong`, a.pass), headers: {}, check: unauthorized, skipIf: needsAuth })),
    from('auth_metrics_protected', () => ({ auth: false, check: unauthorized, skipIf: needsAuth })),
    from('auth_right_unknown_path', () => ({ headers: {}, check: notFound, skipIf: needsAuth })),
    from('auth_webhook_from_ls_auto_webhook', (c) => ({ auth: false, body: withConfig(c.body), check: unauthorized, skipIf: needsAuth })),
    { name: 'auth_other_scheme', from: 'PROTOCOL.md §3, Q6', method: 'GET', path: '/health', auth: 'Bearer abc', check: unauthorized, skipIf: needsAuth },
    { name: 'auth_right_credentials', from: 'PROTOCOL.md §3', method: 'GET', path: '/health', check: healthBody, skipIf: needsAuth },
  );
  return cases;
}

/**
 * Replay the model-independent protocol cases against a running backend: health shape, metrics, 404s
 * and 405s, `/setup` variants, malformed JSON and content types (4xx JSON), unknown webhook events,
 * missing project (422), and the basic-auth cases when credentials are known.
 *
 * Throws a `KitError` listing every failed case (unless `throwOnFailure: false`); returns the report.
 */
export async function replayConformanceCases(target: BackendTarget, options: ReplayOptions = {}): Promise<ConformanceReport> {
  const t = targetOf(target, options.auth);
  const resolved: ResolvedOptions = {
    auth: t.auth,
    webhookEvents: options.webhookEvents ?? (typeof target === 'object' ? target.webhookEvents : undefined) ?? [],
  };
  const ctx: CaseContext = { modelClass: options.modelClass ?? (typeof target === 'object' ? target.modelClass : undefined) };
  const cases = buildCases({ labelConfig: options.labelConfig ?? SENTIMENT, projectIdBase: options.projectIdBase ?? 9000, auth: t.auth });
  const report: ConformanceReport = { passed: [], failed: [], skipped: [] };
  for (const c of cases) {
    if (options.only && !options.only.includes(c.name)) continue;
    if (options.skip?.includes(c.name)) {
      report.skipped.push({ name: c.name, reason: 'skipped by the caller' });
      continue;
    }
    const reason = c.skipIf?.(resolved);
    if (reason) {
      report.skipped.push({ name: c.name, reason });
      continue;
    }
    const outcome: CaseOutcome = { name: c.name, from: c.from, method: c.method, path: c.path, problems: [] };
    try {
      const headers = { ...c.headers };
      if (typeof c.auth === 'string') headers.Authorization = c.auth;
      const res = await request(t, c.path, {
        method: c.method,
        headers,
        ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : c.body !== undefined ? { body: c.body } : {}),
        auth: c.auth === false || typeof c.auth === 'string' ? false : undefined,
      });
      outcome.status = res.status;
      outcome.problems = c.check(res, ctx);
    } catch (err) {
      outcome.problems = [`request failed: ${(err as Error).message}`];
    }
    (outcome.problems.length ? report.failed : report.passed).push(outcome);
  }
  if (options.only) {
    const known = new Set(cases.map((c) => c.name));
    const unknown = options.only.filter((n) => !known.has(n));
    if (unknown.length) throw new Error(`replayConformanceCases: no such case ${unknown.join(', ')}`);
  }
  if (report.failed.length && options.throwOnFailure !== false) {
    throw new KitError(
      `${report.failed.length} of ${report.failed.length + report.passed.length} protocol cases failed against ${t.url}`,
      report.failed.map((f) => `${f.name} (${f.method} ${f.path}; ${f.from}): ${f.problems.join('; ')}`),
    );
  }
  return report;
}

/** The names of the cases `replayConformanceCases` runs (for `only`/`skip`). */
replayConformanceCases.caseNames = (): string[] => buildCases({ labelConfig: SENTIMENT, projectIdBase: 9000, auth: undefined }).map((c) => c.name);
