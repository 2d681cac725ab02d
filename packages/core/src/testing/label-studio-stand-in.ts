// A Label Studio stand-in for tests and benchmarks: there is no Label Studio server on CI machines.
// It implements exactly the endpoints lsml's API client uses, with Label Studio's request/response
// shapes and pagination (label_studio/tasks/api.py, projects/api.py, data_import/api.py), its auth
// errors, and injectable 429s and slow pages. Predictions live in memory so tests can assert on them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A task held by the stand-in. */
export interface StandInTask {
  /** Task id. */
  id: number;
  /** Project id. */
  project: number;
  /** Task data. */
  data: Record<string, unknown>;
  /** Annotations (only `id`, `result`, `was_cancelled` matter). */
  annotations: Array<Record<string, unknown>>;
}

/** A prediction stored by the stand-in. */
export interface StandInPrediction {
  /** Prediction id. */
  id: number;
  /** Task id. */
  task: number;
  /** Project id. */
  project: number;
  /** Regions. */
  result: Array<Record<string, unknown>>;
  /** Score or null. */
  score: number | null;
  /** Model version. */
  model_version: string;
  /** When it was stored. */
  created_at: string;
}

/** Options of {@link startLabelStudioStandIn}. */
export interface LabelStudioStandInOptions {
  /** Accepted legacy token (`Authorization: Token …`); default `test-token`. */
  legacyToken?: string;
  /** A Personal Access Token (JWT refresh token) exchanged at `/api/token/refresh/` for `accessToken`. */
  personalAccessToken?: string;
  /** The access token handed out for the PAT (`Authorization: Bearer …`). */
  accessToken?: string;
  /** Largest `page_size` accepted (LS caps it too); default 1000. */
  maxPageSize?: number;
}

/** Faults to inject; change them at any time. */
export interface StandInFaults {
  /** Answer the next N requests with 429 and `Retry-After: retryAfterS`. */
  tooManyRequests: number;
  /** `Retry-After` seconds sent with an injected 429 (default 0). */
  retryAfterS: number;
  /** Answer the next N requests with 503. */
  serverErrors: number;
  /** Delay every `GET /api/tasks/` page by this many ms. */
  slowPageMs: number;
}

/** A running stand-in. */
export interface LabelStudioStandIn {
  /** Base URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** Tasks by id (change a task's data or annotations here; add tasks with `addTasks`). */
  tasks: Map<number, StandInTask>;
  /** Every stored prediction, in creation order. */
  predictions: StandInPrediction[];
  /** Data Manager views: id → selected task ids (a view's own filter). */
  views: Map<number, { project: number; taskIds: number[] }>;
  /** Faults to inject. */
  faults: StandInFaults;
  /** Label config per project (returned as `label_config` by `GET /api/projects/{id}/`). */
  labelConfigs: Map<number, string>;
  /** Requests seen, as `METHOD path?query`. */
  requests: string[];
  /** How many times `/api/token/refresh/` was called. */
  refreshes: number;
  /** Add `count` tasks to a project (ids continue from the highest); returns their ids. */
  addTasks(project: number, count: number, data?: (id: number) => Record<string, unknown>): number[];
  /** Predictions of a task, optionally of one model version. */
  predictionsOf(taskId: number, modelVersion?: string): StandInPrediction[];
  /** Count of predictions per task for a model version (tasks of a project with none are 0). */
  predictionCounts(project: number, modelVersion: string): Map<number, number>;
  /** Stop the server. */
  close(): Promise<void>;
}

interface DmFilterItem {
  filter: string;
  operator: string;
  value: unknown;
}

/**
 * Start a Label Studio stand-in on an ephemeral port: `GET /api/projects/{id}/`, `GET /api/tasks/`
 * (page/page_size, `fields`, `include`, `view`, Data Manager `query` with `filter:tasks:total_annotations`,
 * `filter:tasks:predictions_model_versions` and `selectedItems`; 404 `{"detail":"Invalid page."}` past
 * the end; with `fields=all` each task's `predictions` are whole prediction objects, `id` and
 * `model_version` included, as LS's DataManagerTaskSerializer sends them), `POST /api/predictions/`,
 * `DELETE /api/predictions/{id}/` (→ 204, or 404 `{"detail":"Not found."}`), `POST
 * /api/projects/{id}/import/predictions` (→ 201 `{created}`), `POST /api/token/refresh/`. Wrong or
 * missing credentials get LS's 401.
 *
 * ```ts
 * const ls = await startLabelStudioStandIn();
 * ls.addTasks(1, 100, (id) => ({ text: `task ${id}` }));
 * // ... run the code under test with LABEL_STUDIO_URL=ls.url, LABEL_STUDIO_API_KEY=test-token
 * expect(ls.predictionsOf(1, 'v1')).toHaveLength(1);
 * await ls.close();
 * ```
 */
export async function startLabelStudioStandIn(options: LabelStudioStandInOptions = {}): Promise<LabelStudioStandIn> {
  const legacy = options.legacyToken ?? 'test-token';
  const maxPageSize = options.maxPageSize ?? 1000;
  let nextPredictionId = 1;
  const tasks = new Map<number, StandInTask>();
  const predictions: StandInPrediction[] = [];
  const byTask = new Map<number, StandInPrediction[]>();
  const byId = new Map<number, StandInPrediction>();
  const views = new Map<number, { project: number; taskIds: number[] }>();
  const labelConfigs = new Map<number, string>();
  // Tasks per project in id order (ids only grow), so a page does not scan every project's tasks.
  const byProject = new Map<number, StandInTask[]>();
  // Predictions per project, kept as they are stored: a page of the whole project then does not count
  // them task by task (a planning run reads 100 pages of a 100,000-task project).
  const predictionsPerProject = new Map<number, number>();
  const faults: StandInFaults = { tooManyRequests: 0, retryAfterS: 0, serverErrors: 0, slowPageMs: 0 };
  const requests: string[] = [];
  const state = { refreshes: 0 };

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const readBody = (req: http.IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  // `createdAt` once per request: a bulk import is one insert in Label Studio, and a date per item was
  // most of the cost of storing 100,000 predictions.
  const store = (p: Omit<StandInPrediction, 'id' | 'created_at'>, createdAt = new Date().toISOString()): StandInPrediction => {
    const full: StandInPrediction = { task: p.task, project: p.project, result: p.result, score: p.score, model_version: p.model_version, id: nextPredictionId++, created_at: createdAt };
    predictions.push(full);
    byId.set(full.id, full);
    predictionsPerProject.set(full.project, (predictionsPerProject.get(full.project) ?? 0) + 1);
    const list = byTask.get(full.task) ?? [];
    list.push(full);
    byTask.set(full.task, list);
    return full;
  };
  // LS's PredictionAPI destroy: the row goes, and with it the task's count.
  const remove = (p: StandInPrediction) => {
    byId.delete(p.id);
    const i = predictions.indexOf(p);
    if (i >= 0) predictions.splice(i, 1);
    const list = byTask.get(p.task);
    if (list) list.splice(list.indexOf(p), 1);
    predictionsPerProject.set(p.project, (predictionsPerProject.get(p.project) ?? 1) - 1);
  };
  // Each task's `data` as JSON, serialised when the task is added (Label Studio keeps it as JSON in its
  // database) and keyed by the data object: assign `task.data` to change it. The stand-in plays a
  // server that runs on its own machine; in the benchmarks it shares the cores with lsml, so a page is
  // assembled from these texts rather than stringified task by task.
  const dataJson = new WeakMap<object, string>();
  const dataText = (data: Record<string, unknown>): string => {
    let text = dataJson.get(data);
    if (text === undefined) dataJson.set(data, (text = JSON.stringify(data)));
    return text;
  };
  // A page without `include`: the JSON.stringify of taskJson's objects (id, project and data lead them),
  // with each task's data from its kept text.
  const pageText = (slice: StandInTask[], fields: string, totals: Record<string, number>): string => {
    let out = '{"tasks":[';
    slice.forEach((t, i) => {
      const { id, project, data: _data, ...rest } = taskJson(t, fields, undefined);
      out += `${i ? ',' : ''}{"id":${String(id)},"project":${String(project)},"data":${dataText(t.data)},${JSON.stringify(rest).slice(1)}`;
    });
    return `${out}],${JSON.stringify(totals).slice(1)}`;
  };
  const taskJson = (t: StandInTask, fields: string, include: string[] | undefined) => {
    const preds = byTask.get(t.id) ?? [];
    const base = { id: t.id, project: t.project, data: t.data, total_annotations: t.annotations.length, total_predictions: preds.length };
    const full: Record<string, unknown> = fields === 'all' ? { ...base, annotations: t.annotations, predictions: preds } : base;
    // LS's `include`: only the listed fields of each task.
    return include ? Object.fromEntries(include.filter((k) => k in full).map((k) => [k, full[k]])) : full;
  };
  const matches = (t: StandInTask, items: DmFilterItem[]) =>
    items.every((f) => {
      if (f.filter === 'filter:tasks:total_annotations' && f.operator === 'equal') return t.annotations.length === Number(f.value);
      if (f.filter === 'filter:tasks:predictions_model_versions') {
        const has = (byTask.get(t.id) ?? []).some((p) => p.model_version === f.value);
        return f.operator === 'not_contains' ? !has : has;
      }
      return true;
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/api/token/refresh/' && req.method === 'POST') {
      state.refreshes++;
      const body = JSON.parse((await readBody(req)) || '{}') as { refresh?: string };
      if (!options.personalAccessToken || body.refresh !== options.personalAccessToken) return json(res, 401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
      return json(res, 200, { access: options.accessToken });
    }
    const auth = req.headers.authorization;
    const ok = auth === `Token ${legacy}` || (options.accessToken !== undefined && auth === `Bearer ${options.accessToken}`);
    if (!auth) return json(res, 401, { detail: 'Authentication credentials were not provided.' });
    if (!ok) return json(res, 401, { detail: 'Invalid token.' });
    if (faults.tooManyRequests > 0) {
      faults.tooManyRequests--;
      return json(res, 429, { detail: 'Request was throttled.' }, { 'retry-after': String(faults.retryAfterS) });
    }
    if (faults.serverErrors > 0) {
      faults.serverErrors--;
      return json(res, 503, { detail: 'Service unavailable' });
    }
    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && (m = url.pathname.match(/^\/api\/projects\/(\d+)\/$/))) {
      const id = Number(m[1]);
      const count = byProject.get(id)?.length ?? 0;
      if (count === 0) return json(res, 404, { detail: 'Not found.' });
      return json(res, 200, { id, title: `Project ${id}`, task_number: count, label_config: labelConfigs.get(id) ?? '<View></View>' });
    }
    if (req.method === 'GET' && url.pathname === '/api/tasks/') {
      const project = Number(url.searchParams.get('project'));
      const page = Number(url.searchParams.get('page') ?? 1);
      const pageSize = Math.min(maxPageSize, Number(url.searchParams.get('page_size') ?? 100));
      const fields = url.searchParams.get('fields') ?? 'task_only';
      const include = url.searchParams.get('include')?.split(',').map((f) => f.trim()).filter(Boolean);
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1) return json(res, 404, { detail: 'Invalid page.' });
      let list = byProject.get(project) ?? [];
      const viewId = url.searchParams.get('view');
      if (viewId) {
        // LS: a view's filters and selection replace the request's `query`.
        const view = views.get(Number(viewId));
        if (!view) return json(res, 404, { detail: 'Not found.' });
        const ids = new Set(view.taskIds);
        list = list.filter((t) => ids.has(t.id));
      } else if (url.searchParams.get('query')) {
        let query: { filters?: { items?: DmFilterItem[] }; selectedItems?: { all?: boolean; included?: number[] } };
        try {
          query = JSON.parse(url.searchParams.get('query')!) as typeof query;
        } catch {
          return json(res, 400, { detail: 'query is not valid JSON' });
        }
        const items = query.filters?.items ?? [];
        const included = query.selectedItems && !query.selectedItems.all ? (query.selectedItems.included ?? []) : undefined;
        // Selected ids: look them up instead of scanning the project.
        const base = included
          ? [...new Set(included)].map((id) => tasks.get(Number(id))).filter((t): t is StandInTask => t !== undefined && t.project === project).sort((a, b) => a.id - b.id)
          : list;
        list = items.length ? base.filter((t) => matches(t, items)) : base;
      }
      const slice = list.slice((page - 1) * pageSize, page * pageSize);
      if (page > 1 && slice.length === 0) return json(res, 404, { detail: 'Invalid page.' });
      if (faults.slowPageMs > 0) await new Promise((r) => setTimeout(r, faults.slowPageMs));
      const totalPredictions =
        list === byProject.get(project) ? (predictionsPerProject.get(project) ?? 0) : list.reduce((n, t) => n + (byTask.get(t.id)?.length ?? 0), 0);
      const totalAnnotations = list.reduce((n, t) => n + t.annotations.length, 0);
      const totals = { total: list.length, total_annotations: totalAnnotations, total_predictions: totalPredictions };
      if (include?.length) return json(res, 200, { tasks: slice.map((t) => taskJson(t, fields, include)), ...totals });
      res.writeHead(200, { 'content-type': 'application/json' }).end(pageText(slice, fields, totals));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/predictions/') {
      const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      const task = tasks.get(Number(body.task));
      if (!task) return json(res, 400, { task: [`Invalid pk "${String(body.task)}" - object does not exist.`] });
      if (!Array.isArray(body.result)) return json(res, 400, { result: ['This field is required.'] });
      const p = store({
        task: task.id,
        project: task.project,
        result: body.result as StandInPrediction['result'],
        score: typeof body.score === 'number' ? body.score : null,
        model_version: String(body.model_version ?? ''),
      });
      return json(res, 201, p);
    }
    if (req.method === 'DELETE' && (m = url.pathname.match(/^\/api\/predictions\/(\d+)\/$/))) {
      // DRF ModelViewSet.destroy: 204 with no body; an id it does not know is 404 {"detail":"Not found."}.
      const p = byId.get(Number(m[1]));
      if (!p) return json(res, 404, { detail: 'Not found.' });
      remove(p);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && (m = url.pathname.match(/^\/api\/projects\/(\d+)\/import\/predictions\/?$/))) {
      const project = Number(m[1]);
      const body = JSON.parse(await readBody(req)) as unknown;
      if (!Array.isArray(body)) return json(res, 400, { detail: 'Expected a list of predictions' });
      // LS validates the whole list first: one bad task id and nothing is created.
      for (const item of body as Array<Record<string, unknown>>) {
        const task = tasks.get(Number(item.task));
        if (!task || task.project !== project) return json(res, 400, { detail: `Task ${String(item.task)} is not in project ${project}` });
      }
      const createdAt = new Date().toISOString();
      for (const item of body as Array<Record<string, unknown>>) {
        store(
          {
            task: Number(item.task),
            project,
            result: (item.result ?? []) as StandInPrediction['result'],
            score: typeof item.score === 'number' ? item.score : null,
            model_version: String(item.model_version ?? ''),
          },
          createdAt,
        );
      }
      return json(res, 201, { created: body.length });
    }
    return json(res, 404, { detail: 'Not found.' });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 400, { detail: (err as Error).message });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    tasks,
    predictions,
    views,
    faults,
    labelConfigs,
    requests,
    get refreshes() {
      return state.refreshes;
    },
    addTasks(project, count, data = (id) => ({ text: `task ${id}` })) {
      let next = 1;
      for (const id of tasks.keys()) if (id >= next) next = id + 1;
      const ids: number[] = [];
      for (let i = 0; i < count; i++, next++) {
        const task = { id: next, project, data: data(next), annotations: [] };
        dataText(task.data);
        tasks.set(next, task);
        const list = byProject.get(project) ?? [];
        list.push(task);
        byProject.set(project, list);
        ids.push(next);
      }
      return ids;
    },
    predictionsOf(taskId, modelVersion) {
      const list = byTask.get(taskId) ?? [];
      return modelVersion === undefined ? list : list.filter((p) => p.model_version === modelVersion);
    },
    predictionCounts(project, modelVersion) {
      const counts = new Map<number, number>();
      for (const t of tasks.values()) if (t.project === project) counts.set(t.id, 0);
      for (const p of predictions) if (p.project === project && p.model_version === modelVersion) counts.set(p.task, (counts.get(p.task) ?? 0) + 1);
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
