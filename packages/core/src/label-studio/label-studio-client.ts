import { LsmlError } from '../errors.js';
import { authHeader, LabelStudioTokenProvider, resolveLabelStudioBaseUrl } from '../media/access-token.js';
import { fetchTransport, nodeHttpTransport, type ApiResponse, type ApiTransport } from './api-transport.js';
import type { Task } from '../protocol/types.js';

/** Options of {@link LabelStudioClient}. */
export interface LabelStudioClientOptions {
  /** Label Studio base URL; default `LABEL_STUDIO_URL` (then `LABEL_STUDIO_HOST`). */
  url?: string;
  /** Legacy token or Personal Access Token; default `LABEL_STUDIO_API_KEY`. */
  apiKey?: string;
  /** Environment to read `LABEL_STUDIO_*` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /**
   * fetch implementation for every call. Default: API calls go through node:http(s) with keep-alive
   * connections (cheaper per call than fetch), the token refresh through the global fetch.
   */
  fetch?: typeof fetch;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Retries of a request Label Studio answered 429 or 5xx (or that failed on the network); default 5. */
  maxRetries?: number;
  /** First backoff delay, doubled on each retry (with jitter); default 250 ms. */
  retryBaseMs?: number;
  /** Longest wait between two tries, `Retry-After` included; default 30 s. */
  maxRetryDelayMs?: number;
  /** Most predictions in one bulk-import request (default 500); longer lists are sent in several. */
  maxImportItems?: number;
  /** Most bytes of JSON in one bulk-import request (default 4 MiB); longer lists are sent in several. */
  maxImportBytes?: number;
}

/** Options of {@link LabelStudioClient.tasks}. */
export interface TaskPageOptions {
  /** Only tasks with at least one annotation (default true). */
  onlyAnnotated?: boolean;
  /** Tasks per page (default 100). */
  pageSize?: number;
  /** Abort paging. */
  signal?: AbortSignal;
}

/**
 * One prediction to write into Label Studio (`POST /api/predictions/`, or one item of
 * `POST /api/projects/{id}/import/predictions`).
 */
export interface PredictionWrite {
  /** The task id. */
  task: number;
  /** Regions, as `/predict` returns them. */
  result: Array<Record<string, unknown>>;
  /** Overall score, when the model gives one. */
  score?: number;
  /** The model version the prediction is attributed to. */
  model_version: string;
}

/** A prediction as Label Studio returns it from `POST /api/predictions/` (fields lsml reads). */
export interface LabelStudioPrediction {
  /** Prediction id. */
  id: number;
  /** Task id. */
  task: number;
  /** Regions. */
  result: Array<Record<string, unknown>>;
  /** Score, or null. */
  score: number | null;
  /** Model version string. */
  model_version: string;
  /** Other fields Label Studio sends (created_at, project, ...). */
  [key: string]: unknown;
}

/** Which tasks of a project {@link LabelStudioClient.listTasks} returns. */
export interface TaskFilter {
  /** Only these task ids (Data Manager `selectedItems.included`). */
  ids?: number[];
  /** A Data Manager view (tab) id: its filters and selection apply (LS then ignores `query`). */
  view?: number;
  /** Only tasks with no prediction of this model version yet. */
  missingModelVersion?: string;
  /** Only tasks without annotations. */
  onlyUnannotated?: boolean;
}

/** One page of {@link LabelStudioClient.listTasks}. */
export interface TaskListPage {
  /** The tasks of this page that pass the filter. */
  tasks: Task[];
  /** Tasks Label Studio matched in all pages (before lsml's own client-side filtering). */
  total: number;
  /** How many tasks this page had before client-side filtering (a page shorter than the page size is the last). */
  pageLength: number;
  /** True when this was the last page. */
  last: boolean;
}

/** Options of {@link LabelStudioClient.listTasks}. */
export interface TaskListOptions extends TaskFilter {
  /** 1-based page number (default 1). */
  page?: number;
  /** Tasks per page (default 100). */
  pageSize?: number;
  /** `all` includes annotations and predictions (needed for the client-side filters); default `all`. */
  fields?: 'all' | 'task_only';
  /**
   * Only these task fields in the response (Label Studio's `include`, comma-separated on the wire), e.g.
   * `['id']` when only ids are needed: pages of a large project are then a few KB instead of every
   * task's data. A Label Studio that ignores it sends whole tasks, which read the same.
   */
  include?: string[];
  /** Abort the request. */
  signal?: AbortSignal;
}

/** Does this task already carry a prediction of `modelVersion`? */
export function hasPredictionOf(task: Task, modelVersion: string): boolean {
  return (task.predictions ?? []).some((p) => p.model_version === modelVersion);
}

/** Does this task carry a (not cancelled) annotation? */
function isAnnotated(task: Task): boolean {
  return (task.annotations ?? []).some((a) => !a.was_cancelled);
}

/** The Data Manager `query` parameter for a filter (`filters` + `selectedItems`), or undefined when none applies. */
export function dataManagerQuery(filter: TaskFilter): string | undefined {
  const items: Array<Record<string, unknown>> = [];
  if (filter.onlyUnannotated) items.push({ filter: 'filter:tasks:total_annotations', operator: 'equal', type: 'Number', value: 0 });
  if (filter.missingModelVersion !== undefined) {
    items.push({ filter: 'filter:tasks:predictions_model_versions', operator: 'not_contains', type: 'List', value: filter.missingModelVersion });
  }
  if (items.length === 0 && !filter.ids) return undefined;
  const query: Record<string, unknown> = {};
  if (items.length) query.filters = { conjunction: 'and', items };
  if (filter.ids) query.selectedItems = { all: false, included: filter.ids };
  return JSON.stringify(query);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** `Retry-After` in ms (seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A request body that is JSON text already (sent as is). */
class RawJson {
  constructor(readonly text: string) {}
}

/** An error the Label Studio API client raises: `status` is Label Studio's, or 502 when it could not be asked. */
export class LabelStudioApiError extends LsmlError {
  /** Label Studio's own HTTP status, when it answered (also `status`). */
  readonly upstreamStatus: number | undefined;

  /** @param status Label Studio's HTTP status, when it answered. */
  constructor(message: string, status?: number) {
    // Label Studio's status when it answered (a 404 on a page past the end is read by the client);
    // 502 when it could not be asked (no token, network).
    super('label_studio_api', message, { status: status ?? 502 });
    this.upstreamStatus = status;
    this.name = 'LabelStudioApiError';
  }
}

/**
 * A small typed client for the Label Studio API a training job needs: page through a project's
 * (annotated) tasks. Auth is `Token <legacy>` or `Bearer <access>` for a Personal Access Token, which is
 * refreshed through `/api/token/refresh/` when it expires (§6.6).
 */
export class LabelStudioClient {
  /** Base URL, without a trailing slash. */
  readonly url: string;
  private readonly tokens: LabelStudioTokenProvider;
  private readonly transport: ApiTransport;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly maxImportItems: number;
  private readonly maxImportBytes: number;

  constructor(options: LabelStudioClientOptions = {}) {
    const env = options.env ?? process.env;
    const url = (options.url ?? resolveLabelStudioBaseUrl(env))?.replace(/\/+$/, '');
    if (!url || !/^https?:\/\//i.test(url)) {
      throw new LabelStudioApiError(
        'Label Studio URL is not set: set LABEL_STUDIO_URL (e.g. http://label-studio:8080) and LABEL_STUDIO_API_KEY',
      );
    }
    this.url = url;
    this.transport = options.fetch ? fetchTransport(options.fetch) : nodeHttpTransport();
    this.tokens = new LabelStudioTokenProvider({ baseUrl: url, apiKey: options.apiKey, env, fetch: options.fetch ?? globalThis.fetch });
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.maxImportItems = options.maxImportItems ?? 500;
    this.maxImportBytes = options.maxImportBytes ?? 4 * 1024 * 1024;
  }

  /** GET a JSON document from the API (path relative to the base URL). */
  async request<T>(pathAndQuery: string, init: { signal?: AbortSignal } = {}): Promise<T> {
    return this.send<T>('GET', pathAndQuery, undefined, init);
  }

  /**
   * One API call with the token, a per-try timeout and retries. GETs and DELETEs (idempotent: deleting
   * twice leaves the same state) are retried on 429, 5xx and network errors. POSTs are retried only on
   * 429 (Label Studio refused it before doing anything): a POST that failed with a 5xx may have been
   * applied, and a blind retry could write twice — callers that write check before writing again (the
   * bulk job does). `Retry-After` is honoured, capped by `maxRetryDelayMs`. A 204 (no content) resolves
   * to undefined.
   */
  async send<T>(method: 'GET' | 'POST' | 'DELETE', pathAndQuery: string, body?: unknown, init: { signal?: AbortSignal } = {}): Promise<T> {
    const idempotent = method !== 'POST';
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.getToken();
      if (!token) throw new LabelStudioApiError('LABEL_STUDIO_API_KEY is not set: the Label Studio API needs a token');
      const signals = [AbortSignal.timeout(this.timeoutMs), ...(init.signal ? [init.signal] : [])];
      let res: ApiResponse;
      try {
        res = await this.transport(`${this.url}${pathAndQuery}`, {
          method,
          headers: {
            Authorization: authHeader(token),
            Accept: 'application/json',
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          body: body === undefined ? undefined : body instanceof RawJson ? body.text : JSON.stringify(body),
          signal: AbortSignal.any(signals),
        });
      } catch (err) {
        init.signal?.throwIfAborted();
        if (idempotent && attempt < this.maxRetries) {
          await sleep(this.backoff(attempt, undefined), init.signal);
          continue;
        }
        throw new LabelStudioApiError(`Label Studio could not be reached for ${method} ${pathAndQuery}: ${(err as Error).message}`);
      }
      if (res.status === 401) this.tokens.invalidate();
      if (res.status === 204) return undefined as T;
      if (res.ok) return JSON.parse(await res.text()) as T;
      const text = await res.text().catch(() => '');
      const retryable = res.status === 429 || (idempotent && res.status >= 500);
      if (retryable && attempt < this.maxRetries) {
        await sleep(this.backoff(attempt, retryAfterMs(res.header('retry-after'))), init.signal);
        continue;
      }
      throw new LabelStudioApiError(`Label Studio answered ${res.status} for ${method} ${pathAndQuery}: ${text.slice(0, 200)}`, res.status);
    }
  }

  private backoff(attempt: number, retryAfter: number | undefined): number {
    const exp = this.retryBaseMs * 2 ** attempt;
    const jittered = exp / 2 + Math.random() * (exp / 2);
    return Math.min(this.maxRetryDelayMs, Math.max(retryAfter ?? 0, jittered));
  }

  /** `GET /api/projects/{id}/`. */
  async getProject(projectId: number | string): Promise<Record<string, unknown>> {
    return this.request(`/api/projects/${encodeURIComponent(String(projectId))}/`);
  }

  /**
   * Every task of a project, one page at a time (`/api/tasks/?project=…&fields=all`), with annotations.
   * With `onlyAnnotated`, tasks without a usable annotation are skipped.
   */
  async *tasks(projectId: number | string, options: TaskPageOptions = {}): AsyncGenerator<Task> {
    const pageSize = options.pageSize ?? 100;
    const onlyAnnotated = options.onlyAnnotated ?? true;
    for (let page = 1; ; page++) {
      const q = new URLSearchParams({ project: String(projectId), page: String(page), page_size: String(pageSize), fields: 'all' });
      let body: { tasks?: Task[] } | Task[];
      try {
        body = await this.request(`/api/tasks/?${q}`, { signal: options.signal });
      } catch (err) {
        // LS answers 404 for a page past the end.
        if (err instanceof LabelStudioApiError && err.upstreamStatus === 404 && page > 1) return;
        throw err;
      }
      const tasks = Array.isArray(body) ? body : (body.tasks ?? []);
      for (const task of tasks) {
        if (!onlyAnnotated || (task.annotations ?? []).some((a) => !a.was_cancelled && (a.result?.length ?? 0) > 0)) yield task;
      }
      if (tasks.length < pageSize) return;
    }
  }

  /** All annotated tasks of a project in one array. */
  async annotatedTasks(projectId: number | string, options: Omit<TaskPageOptions, 'onlyAnnotated'> = {}): Promise<Task[]> {
    const out: Task[] = [];
    for await (const t of this.tasks(projectId, { ...options, onlyAnnotated: true })) out.push(t);
    return out;
  }

  /**
   * One page of a project's tasks (`GET /api/tasks/?project=…&page=…&page_size=…`), filtered. Filters go
   * to Label Studio as a Data Manager `query` (or the `view`), and are applied again here on the page's
   * tasks, because a view's own filters replace the query and an old Label Studio may not know a column.
   * A page past the end (Label Studio's 404 "Invalid page") is an empty last page.
   */
  async listTasks(projectId: number | string, options: TaskListOptions = {}): Promise<TaskListPage> {
    const page = options.page ?? 1;
    const pageSize = options.pageSize ?? 100;
    const q = new URLSearchParams({ project: String(projectId), page: String(page), page_size: String(pageSize), fields: options.fields ?? 'all' });
    if (options.include?.length) q.set('include', options.include.join(','));
    if (options.view !== undefined) q.set('view', String(options.view));
    else {
      const query = dataManagerQuery(options);
      if (query) q.set('query', query);
    }
    let body: { tasks?: Task[]; total?: number } | Task[];
    try {
      body = await this.request(`/api/tasks/?${q}`, { signal: options.signal });
    } catch (err) {
      if (err instanceof LabelStudioApiError && err.upstreamStatus === 404 && page > 1) return { tasks: [], total: 0, pageLength: 0, last: true };
      throw err;
    }
    const raw = Array.isArray(body) ? body : (body.tasks ?? []);
    const total = Array.isArray(body) ? raw.length : (body.total ?? raw.length);
    const ids = options.ids ? new Set(options.ids) : undefined;
    const canFilter = (options.fields ?? 'all') === 'all';
    const tasks = raw.filter(
      (t) =>
        (!ids || (t.id !== undefined && ids.has(t.id))) &&
        (!canFilter || options.missingModelVersion === undefined || !hasPredictionOf(t, options.missingModelVersion)) &&
        (!canFilter || !options.onlyUnannotated || !isAnnotated(t)),
    );
    return { tasks, total, pageLength: raw.length, last: raw.length < pageSize || page * pageSize >= total };
  }

  /** Create one prediction (`POST /api/predictions/`). */
  async createPrediction(prediction: PredictionWrite, init: { signal?: AbortSignal } = {}): Promise<LabelStudioPrediction> {
    return this.send<LabelStudioPrediction>('POST', '/api/predictions/', prediction, init);
  }

  /**
   * Delete one prediction (`DELETE /api/predictions/{id}/`, Label Studio's PredictionAPI; it answers 204).
   * Resolves true when this call deleted it, false when Label Studio answered 404: it is gone already
   * (another worker removing the same duplicate), which is the state the caller wants.
   */
  async deletePrediction(id: number, init: { signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.send<void>('DELETE', `/api/predictions/${encodeURIComponent(String(id))}/`, undefined, init);
      return true;
    } catch (err) {
      if (err instanceof LabelStudioApiError && err.upstreamStatus === 404) return false;
      throw err;
    }
  }

  /**
   * Create many predictions (`POST /api/projects/{id}/import/predictions`), in requests of at most
   * `maxImportItems` items and `maxImportBytes` bytes. Returns how many Label Studio created in all.
   */
  async importPredictions(projectId: number | string, items: PredictionWrite[], init: { signal?: AbortSignal } = {}): Promise<{ created: number }> {
    let created = 0;
    const path = `/api/projects/${encodeURIComponent(String(projectId))}/import/predictions`;
    // Each item is serialised once (its size decides the request it goes in) and the request body is
    // those strings joined: the same JSON as stringifying the list, without doing it twice.
    let batch: string[] = [];
    let bytes = 2;
    const flush = async () => {
      if (batch.length === 0) return;
      const res = await this.send<{ created?: number }>('POST', path, new RawJson(`[${batch.join(',')}]`), init);
      created += res.created ?? 0;
      batch = [];
      bytes = 2;
    };
    for (const item of items) {
      const json = JSON.stringify(item);
      const size = Buffer.byteLength(json) + 1;
      if (batch.length > 0 && (batch.length >= this.maxImportItems || bytes + size > this.maxImportBytes)) await flush();
      batch.push(json);
      bytes += size;
    }
    await flush();
    return { created };
  }
}
