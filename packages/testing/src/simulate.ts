// Label Studio's real call sequence against a backend (PROTOCOL.md §5.3): connect (health → setup),
// batch pre-annotation with full task objects, interactive pre-annotation, annotation webhooks with a
// full project object, "Start Training" and job_status polling, then the re-prediction LS does once
// the model version changed.
import type { InteractiveContext } from '@lsml/core';
import { checkPredictions } from './check-predictions.js';
import { preview, request, targetOf, type BackendTarget, type BasicAuth, type KitResponse } from './http.js';
import { KitError } from './kit-error.js';
import { lsAnnotation, lsProject, projectUid, toLsTasks } from '@lsml/core/testing';

/** An annotation {@link simulateLabelStudio} sends as a webhook. */
export interface SimulatedAnnotation {
  /** Index of the annotated task in `tasks`. */
  task: number;
  /** The annotation's regions, in Label Studio result format. */
  result: unknown[];
}

/** Options of {@link simulateLabelStudio}: the project, its tasks and the annotations to send. */
export interface SimulateOptions {
  /** The project's label config. */
  labelConfig: string;
  /** The project's tasks: `data` objects (`{ text: '...' }`) or tasks with a `data` key. */
  tasks: ReadonlyArray<Record<string, unknown>>;
  /** Annotations made in the labelling UI, each sent as an ANNOTATION_CREATED webhook. */
  annotations?: readonly SimulatedAnnotation[];
  /** An interactive pre-annotation (smart tool) request for `tasks[interactiveTask]` with this context. */
  context?: InteractiveContext | Record<string, unknown>;
  /** Which task the interactive request is for (default 0). */
  interactiveTask?: number;
  /** The backend's "Extra params" as Label Studio sends them in /setup (objects are sent as the JSON text LS stores). */
  extraParams?: string | Record<string, unknown> | null;
  /** Project id (default 1). */
  project?: number;
  /** Credentials for LS's calls (health, setup, predict, START_TRAINING and, see below, webhooks). Default: the target's. */
  auth?: BasicAuth;
  /**
   * Send the annotation webhooks with the credentials too (default true). Label Studio's auto-created
   * webhook sends none; with basic auth on, users put `user:pass@` in the webhook URL.
   */
  webhookCredentials?: boolean;
  /** Press "Start Training" (a START_TRAINING webhook) after the annotations (default: true when there are annotations). */
  train?: boolean;
  /** When START_TRAINING returns a job: `finished` (default) requires it to finish, `any` accepts `failed` too. */
  expectTraining?: 'finished' | 'any';
  /** How long to poll /job_status (default 60 s). */
  trainingTimeoutMs?: number;
  /** Label Studio's webhook timeout: a slower webhook counts as a failed delivery (default 1000 ms, `WEBHOOK_TIMEOUT`). */
  webhookTimeoutMs?: number;
  /** Expected `/health` `model_class`; default: the target's when known. */
  modelClass?: string;
  /**
   * Answers slower than Label Studio's timeouts (health 1 s, setup 3 s, webhooks 1 s) are problems when
   * the backend itself is slow. `auto` (default) re-checks `/health` right after: if that is slow too,
   * the machine was busy and it is only a warning. `strict`: always a problem; `off`: not checked.
   */
  timing?: 'auto' | 'strict' | 'off';
  /** Default true: throw a `KitError` listing every problem. */
  throwOnFailure?: boolean;
}

/** One request of the simulation and its answer. */
export interface SimulationStep {
  step: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** What {@link simulateLabelStudio} saw: every request and answer, the predictions and the training outcome. */
export interface SimulationReport {
  modelClass: string | undefined;
  /** `model_version` from the first /setup. */
  modelVersion: string | undefined;
  /** `results` of the batch /predict (one entry per task, or empty). */
  predictions: unknown[];
  /** `results` of the interactive /predict, when a context was given. */
  interactive?: unknown[];
  webhooks: Array<{ action: string; status: number; ms: number; body: unknown }>;
  training?: {
    status: number;
    body: unknown;
    job?: string;
    /** The last /job_status answer. */
    final?: Record<string, unknown>;
    /** Every distinct `job_status` seen, in order. */
    seen: string[];
  };
  /** `model_version` from /setup once training finished. */
  modelVersionAfterTraining?: string;
  /** Batch predictions made with the new version. */
  predictionsAfterTraining?: unknown[];
  steps: SimulationStep[];
  /** What Label Studio would reject; `simulateLabelStudio` throws when there is any. */
  problems: string[];
  /** Slow answers on a machine that was itself slow at the time (not counted as problems unless `timing: 'strict'`). */
  warnings: string[];
}

const TERMINAL = new Set(['finished', 'failed', 'canceled', 'cancelled', 'stopped']);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Drive a backend through the calls Label Studio makes for one project and check each answer the way LS
 * treats it. Throws a `KitError` with every problem found (unless `throwOnFailure: false`).
 */
export async function simulateLabelStudio(target: BackendTarget, options: SimulateOptions): Promise<SimulationReport> {
  const t = targetOf(target, options.auth);
  const projectId = options.project ?? 1;
  const uid = projectUid(projectId);
  const project = lsProject(projectId, options.labelConfig, { task_number: options.tasks.length });
  const tasks = toLsTasks(options.tasks, projectId);
  const report: SimulationReport = { modelClass: undefined, modelVersion: undefined, predictions: [], webhooks: [], steps: [], problems: [], warnings: [] };
  const problem = (p: string) => report.problems.push(p);
  const timing = options.timing ?? 'auto';
  /** An answer slower than LS's limit: a problem, unless the machine itself is slow right now. */
  const tooSlow = async (ms: number, limitMs: number, message: string) => {
    if (timing === 'off' || ms <= limitMs) return;
    if (timing === 'strict') return problem(message);
    const probe = await request(t, '/health');
    if (probe.ms < limitMs * 0.2) problem(message);
    else report.warnings.push(`${message} (the machine was slow too: /health took ${Math.round(probe.ms)} ms)`);
  };
  const call = async (step: string, path: string, body?: unknown, extra: { auth?: false } = {}): Promise<KitResponse> => {
    const res = await request(t, path, { method: body === undefined ? 'GET' : 'POST', ...(body === undefined ? {} : { body }), ...extra });
    report.steps.push({ step, method: body === undefined ? 'GET' : 'POST', path, status: res.status, ms: Math.round(res.ms) });
    return res;
  };
  const expectedClass = options.modelClass ?? (typeof target === 'object' ? target.modelClass : undefined);

  const finish = () => {
    if (report.problems.length && options.throwOnFailure !== false) {
      throw new KitError(`Label Studio would not work with the backend at ${t.url}`, report.problems);
    }
    return report;
  };

  // 1. Connect: health (1 s timeout in LS), then setup (3 s).
  const health = await call('health', '/health');
  if (health.status !== 200 || !isObj(health.json) || health.json.status !== 'UP') {
    problem(
      health.status === 401
        ? 'health: 401 — LS says "Able to connect to ML Server, but authentication parameters were either not provided or are incorrect."'
        : `health: status ${health.status}, body ${preview(health)} — LS cannot connect`,
    );
    return finish();
  }
  report.modelClass = typeof health.json.model_class === 'string' ? health.json.model_class : undefined;
  if (expectedClass !== undefined && report.modelClass !== expectedClass) problem(`health: model_class ${JSON.stringify(report.modelClass)}, expected ${JSON.stringify(expectedClass)}`);
  await tooSlow(health.ms, 1000, `health took ${Math.round(health.ms)} ms; Label Studio gives up after 1 s (ML_TIMEOUT_HEALTH)`);

  const extraParams = options.extraParams === undefined || options.extraParams === null || typeof options.extraParams === 'string' ? (options.extraParams ?? null) : JSON.stringify(options.extraParams);
  const setupBody = { project: uid, schema: options.labelConfig, hostname: 'http://localhost:8080', access_token: 'lsml-kit-token', extra_params: extraParams };
  const setup = await call('setup', '/setup', setupBody);
  const version = isObj(setup.json) && typeof setup.json.model_version === 'string' ? setup.json.model_version : undefined;
  if (setup.status !== 200 || version === undefined) {
    problem(`setup: status ${setup.status}, body ${preview(setup)} — LS marks the backend as "Error": "Successfully connected ... but it doesn't look like a valid ML backend"`);
    return finish();
  }
  report.modelVersion = version;
  if (version === '') problem('setup: model_version is empty; LS stores null and cannot tell which tasks are already predicted');
  await tooSlow(setup.ms, 3000, `setup took ${Math.round(setup.ms)} ms; Label Studio gives up after 3 s (ML_TIMEOUT_SETUP) and calls it often: load models once, not per call`);

  // 2. Batch pre-annotation: every task in one call (100 s timeout).
  const predictOnce = async (step: string, batch: typeof tasks, v: string): Promise<unknown[] | undefined> => {
    const res = await call(step, '/predict', { tasks: batch, project: uid, label_config: options.labelConfig, params: { login: null, password: null, context: null } });
    if (res.status !== 200 || !isObj(res.json) || !Array.isArray(res.json.results)) {
      problem(`${step}: status ${res.status}, body ${preview(res)} — LS stores no predictions`);
      return undefined;
    }
    let results = res.json.results as unknown[];
    if (results.length === 1 && batch.length > 1) {
      // §5.4 step 3: LS assumes one task per call and re-sends each task alone.
      problem(`${step}: 1 result for ${batch.length} tasks; LS then sends every task on its own — return one result per task`);
      results = [];
      for (const one of batch) {
        const single = await call(`${step} (one task)`, '/predict', { tasks: [one], project: uid, label_config: options.labelConfig, params: { login: null, password: null, context: null } });
        results.push(isObj(single.json) && Array.isArray(single.json.results) ? single.json.results[0] : undefined);
      }
    }
    const checked = checkPredictions(options.labelConfig, batch, results, { modelVersion: v });
    for (const e of checked.errors) problem(`${step}: ${e}`);
    return results;
  };
  report.predictions = (await predictOnce('predict', tasks, version)) ?? [];

  // 3. Interactive pre-annotation: one task (interactive export shape), params.context from the UI.
  if (options.context !== undefined) {
    const index = options.interactiveTask ?? 0;
    const [task] = toLsTasks([options.tasks[index] ?? {}], projectId, { interactive: true });
    const one = { ...task!, id: tasks[index]?.id ?? task!.id };
    const res = await call('interactive predict', '/predict', { tasks: [one], project: uid, label_config: options.labelConfig, params: { login: null, password: null, context: options.context } });
    if (res.status !== 200 || !isObj(res.json) || !Array.isArray(res.json.results)) {
      problem(`interactive predict: status ${res.status}, body ${preview(res)} — the annotator sees an error`);
    } else {
      report.interactive = res.json.results as unknown[];
      const checked = checkPredictions(options.labelConfig, [one], report.interactive, { modelVersion: version, interactive: true });
      for (const e of checked.errors) problem(`interactive predict: ${e}`);
    }
  }

  // 4. Annotation webhooks, from LS's auto-created project webhook (1 s timeout; failures disable it).
  const webhookTimeout = options.webhookTimeoutMs ?? 1000;
  const annotations = options.annotations ?? [];
  let annotationId = 1000;
  for (const a of annotations) {
    const task = tasks[a.task];
    if (!task) throw new Error(`simulateLabelStudio: annotation for task ${a.task}, but there are ${tasks.length} tasks`);
    const annotation = lsAnnotation(++annotationId, task.id!, projectId, a.result);
    const body = { action: 'ANNOTATION_CREATED', annotation, task: { ...task, is_labeled: true, total_annotations: 1 }, project };
    const res = await call('webhook ANNOTATION_CREATED', '/webhook', body, options.webhookCredentials === false ? { auth: false } : {});
    report.webhooks.push({ action: 'ANNOTATION_CREATED', status: res.status, ms: Math.round(res.ms), body: res.json ?? res.text });
    if (res.status < 200 || res.status >= 300) problem(`webhook ANNOTATION_CREATED: status ${res.status}, body ${preview(res)} — a failed delivery; LS disables the webhook after repeated failures`);
    else await tooSlow(res.ms, webhookTimeout, `webhook ANNOTATION_CREATED took ${Math.round(res.ms)} ms; LS times out after ${webhookTimeout} ms and counts a failure: queue slow work (define train() instead of training in fit())`);
  }

  // 5. "Start Training": START_TRAINING through MLApi.train (with basic auth), then job_status polling.
  if (options.train ?? annotations.length > 0) {
    const res = await call('webhook START_TRAINING', '/webhook', { action: 'START_TRAINING', project });
    report.webhooks.push({ action: 'START_TRAINING', status: res.status, ms: Math.round(res.ms), body: res.json ?? res.text });
    report.training = { status: res.status, body: res.json ?? res.text, seen: [] };
    if (res.status < 200 || res.status >= 300) {
      problem(`webhook START_TRAINING: status ${res.status}, body ${preview(res)} — LS sets the backend state to Error`);
    } else if (isObj(res.json) && typeof res.json.job === 'string') {
      const job = res.json.job;
      report.training.job = job;
      const deadline = Date.now() + (options.trainingTimeoutMs ?? 60_000);
      for (;;) {
        const polled = await request(t, '/job_status', { body: { job } });
        if (polled.status !== 200 || !isObj(polled.json) || typeof polled.json.job_status !== 'string') {
          problem(`job_status: status ${polled.status}, body ${preview(polled)} — expected {"job_status": "queued"|"started"|"finished"|"failed", ...}`);
          break;
        }
        const s = polled.json.job_status;
        if (report.training.seen.at(-1) !== s) report.training.seen.push(s);
        report.training.final = polled.json;
        if (TERMINAL.has(s)) break;
        if (Date.now() > deadline) {
          problem(`job ${job} still ${s} after ${options.trainingTimeoutMs ?? 60_000} ms`);
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      report.steps.push({ step: 'job_status polling', method: 'POST', path: '/job_status', status: 200, ms: 0 });
      const final = report.training.final;
      if (final && (options.expectTraining ?? 'finished') === 'finished' && final.job_status !== 'finished') {
        problem(`training job ${job} ended ${String(final.job_status)}: ${String(final.error ?? final.message ?? '')}`);
      }
      if (final?.job_status === 'finished') {
        // LS's next update_state: /setup reports the new version; tasks predicted with the old one are re-predicted.
        const again = await call('setup (after training)', '/setup', setupBody);
        const v2 = isObj(again.json) && typeof again.json.model_version === 'string' ? again.json.model_version : undefined;
        if (again.status !== 200 || v2 === undefined) problem(`setup after training: status ${again.status}, body ${preview(again)}`);
        else {
          report.modelVersionAfterTraining = v2;
          if (typeof final.model_version === 'string' && final.model_version !== v2) {
            problem(`job_status reports model_version ${JSON.stringify(final.model_version)} but /setup reports ${JSON.stringify(v2)}`);
          }
          report.predictionsAfterTraining = (await predictOnce('predict (after training)', tasks, v2)) ?? [];
        }
      }
    }
  }
  return finish();
}
