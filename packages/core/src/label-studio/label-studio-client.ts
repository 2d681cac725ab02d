import { LsmlError } from '../errors.js';
import { authHeader, LabelStudioTokenProvider, resolveLabelStudioBaseUrl } from '../media/access-token.js';
import type { Task } from '../protocol/types.js';

/** Where {@link LabelStudioClient} finds Label Studio and how it authenticates. */
export interface LabelStudioClientOptions {
  /** Label Studio base URL; default `LABEL_STUDIO_URL` (then `LABEL_STUDIO_HOST`). */
  url?: string;
  /** Legacy token or Personal Access Token; default `LABEL_STUDIO_API_KEY`. */
  apiKey?: string;
  /** Environment the defaults are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** The fetch implementation (default the global `fetch`; tests pass their own). */
  fetch?: typeof fetch;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

/** Options of the client's paged task listing. */
export interface TaskPageOptions {
  /** Only tasks with at least one annotation (default true). */
  onlyAnnotated?: boolean;
  /** Tasks per page request. */
  pageSize?: number;
  /** Aborts the listing between and during page requests. */
  signal?: AbortSignal;
}

export class LabelStudioApiError extends LsmlError {
  /** Label Studio's own HTTP status, when it answered (also `status`). */
  readonly upstreamStatus: number | undefined;

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
  readonly url: string;
  private readonly tokens: LabelStudioTokenProvider;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: LabelStudioClientOptions = {}) {
    const env = options.env ?? process.env;
    const url = (options.url ?? resolveLabelStudioBaseUrl(env))?.replace(/\/+$/, '');
    if (!url || !/^https?:\/\//i.test(url)) {
      throw new LabelStudioApiError(
        'Label Studio URL is not set: set LABEL_STUDIO_URL (e.g. http://label-studio:8080) and LABEL_STUDIO_API_KEY',
      );
    }
    this.url = url;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.tokens = new LabelStudioTokenProvider({ baseUrl: url, apiKey: options.apiKey, env, fetch: this.fetchImpl });
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** GET a JSON document from the API (path relative to the base URL). */
  async request<T>(pathAndQuery: string, init: { signal?: AbortSignal } = {}): Promise<T> {
    const token = await this.tokens.getToken();
    if (!token) throw new LabelStudioApiError('LABEL_STUDIO_API_KEY is not set: the Label Studio API needs a token');
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(init.signal ? [init.signal] : [])];
    const res = await this.fetchImpl(`${this.url}${pathAndQuery}`, {
      headers: { Authorization: authHeader(token), Accept: 'application/json' },
      signal: AbortSignal.any(signals),
    });
    if (res.status === 401) this.tokens.invalidate();
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      throw new LabelStudioApiError(`Label Studio answered ${res.status} for GET ${pathAndQuery}: ${body.slice(0, 200)}`, res.status);
    }
    return (await res.json()) as T;
  }

  /** The project's JSON (`GET /api/projects/:id`), including its `label_config`. */
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
        if (err instanceof LabelStudioApiError && err.status === 404 && page > 1) return;
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
}
