import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { loadConfig, type ServerConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { BackendClass } from '../model/label-studio-ml-base.js';
import { TRAIN_EVENTS, type WebhookData } from '../protocol/types.js';
import { createStateStore } from '../state/create-state-store.js';
import type { StateStore } from '../state/state-store.js';
import { createTrainingQueue } from '../training/create-training-queue.js';
import { createJobProcessor } from '../training/run-training-job.js';
import type { TrainingScheduler } from '../training/training-context.js';
import type { TrainingQueue } from '../training/training-job.js';
import { Admission } from './admission.js';
import { LsmlError } from '../errors.js';
import { describeError, errorBody, HttpError, isFileNotFound } from './http-errors.js';
import { ServerMetrics } from './metrics.js';
import { basicAuth } from './middleware/basic-auth.js';
import { assertJsonContentType, assertObjectBody, parseByteSize, readJsonBody } from './middleware/json-body.js';
import { ModelRegistry } from './model-registry.js';
import { acceptsType } from './negotiation.js';
import type { RouteContext } from './route-context.js';
import { jsonReply, type Reply, type RouteDefinition, type RouteRequest } from './route-types.js';
import { healthRoute, readyRoute } from './routes/health.js';
import { jobStatusRoute } from './routes/job-status.js';
import { jobsCancelRoute, jobsPredictRoute } from './routes/jobs-predict.js';
import { listBulkStatuses } from '../bulk/bulk-predict.js';
import { metricsRoute } from './routes/metrics.js';
import { predictRoute } from './routes/predict.js';
import { setupRoute } from './routes/setup.js';
import { webhookRoute } from './routes/webhook.js';

/** Options of `createServer` and `createExpressRouter`: settings overrides plus injected parts. */
export interface CreateServerOptions extends Partial<ServerConfig> {
  /** Defaults to the store named by `cacheType` (`CACHE_TYPE`) under `modelDir`. */
  store?: StateStore;
  /** Defaults to the queue named by `queue` (`QUEUE`). */
  trainingQueue?: TrainingQueue;
  logger?: Logger;
  /** Environment to read settings from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

/**
 * lsml's request handling without a listening socket: the routes, their shared state and a node:http
 * request listener. `createServer` puts it behind `http.createServer`; `createExpressRouter` mounts it
 * in an Express app.
 */
export interface LsmlApp {
  readonly config: ServerConfig;
  readonly store: StateStore;
  readonly logger: Logger;
  readonly registry: ModelRegistry;
  readonly trainingQueue: TrainingQueue;
  readonly metrics: ServerMetrics;
  /** Resolves once the model class's `preload()` finished (`/ready` answers 200 from then on). */
  readonly ready: Promise<void>;
  /**
   * A node:http request listener. With `next` (Express), paths that are not lsml routes are passed on
   * instead of answering 404.
   */
  handle(req: IncomingMessage, res: ServerResponse, next?: () => void): void;
  /** Requests being handled right now. */
  inFlight(): number;
  /** From now on `/ready` answers 503 and answers close their keep-alive connections. */
  beginClosing(): void;
  /** Stop the training queue, dispose the model instances and close the store. Idempotent. */
  shutdown(): Promise<void>;
}

const TRAIN_EVENT_SET: ReadonlySet<string> = new Set(TRAIN_EVENTS);

const NOT_FOUND_HTML =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';
const METHOD_NOT_ALLOWED_HTML =
  '<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n';

/** The request as the route handlers see it, built from node:http's. */
class NodeRouteRequest implements RouteRequest {
  body: unknown = undefined;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly query: string,
    readonly headers: IncomingMessage['headers'],
    private readonly res: ServerResponse,
  ) {}

  onAbort(listener: () => void): () => void {
    const res = this.res;
    const onClose = () => {
      if (!res.writableEnded) listener();
    };
    res.on('close', onClose);
    return () => res.off('close', onClose);
  }
}

/** Build the routes and the state they share for one model class (see `LsmlApp`). */
export function createLsmlApp(ModelClass: BackendClass, options: CreateServerOptions = {}): LsmlApp {
  const { store: givenStore, logger: givenLogger, env, trainingQueue: givenQueue, ...overrides } = options;
  const config = loadConfig(overrides, env);
  const logger = givenLogger ?? createLogger({ level: config.logLevel });
  const store = givenStore ?? createStateStore(config);
  const trainingQueue = givenQueue ?? createTrainingQueue({ ...config, cacheType: store.kind }, logger, env);
  const registry = new ModelRegistry(ModelClass, { store, logger, scheduler: queueScheduler(trainingQueue) });
  const modelClassName = ModelClass.name || 'LabelStudioMLBase';
  if (config.runTraining ?? trainingQueue.kind === 'embedded') {
    trainingQueue.startWorker(createJobProcessor({ registry, modelDir: config.modelDir, logger, env }));
  }
  const admission = new Admission(config.maxConcurrency, config.maxQueue);
  const status: RouteContext['status'] = { ready: false, closing: false };
  // Readiness (not liveness): a load balancer should wait until shared weights are loaded.
  const ready = Promise.resolve()
    .then(() => ModelClass.preload?.())
    .then(
      () => {
        status.ready = true;
      },
      (err: unknown) => {
        status.readyError = describeError(err);
        logger.error({ err }, 'Model preload failed: /ready answers 503');
      },
    );
  const metrics = new ServerMetrics({
    admission: () => ({ inFlight: admission.inFlight, queued: admission.queued }),
    jobs: () => trainingQueue.countJobs(),
    bulk: () => listBulkStatuses(trainingQueue),
    ready: () => status.ready && !status.closing,
  });
  const ctx: RouteContext = {
    config,
    logger,
    store,
    registry,
    trainingQueue,
    admission,
    metrics,
    modelClassName,
    // The four Python train events, plus whatever the model opts into (e.g. ANNOTATIONS_CREATED).
    predictOnTasksCreated: ModelClass.predictOnTasksCreated === true,
    fitEvents: new Set([...TRAIN_EVENT_SET, ...(ModelClass.webhookEvents ?? [])]),
    status,
  };

  const health = healthRoute(ctx);
  // The Flask routes and the methods Flask lists in `Allow` for them (§2).
  const routeList: RouteDefinition[] = [
    { path: '/', method: 'GET', allow: 'HEAD, OPTIONS, GET', handler: health },
    { path: '/health', method: 'GET', allow: 'HEAD, OPTIONS, GET', handler: health },
    { path: '/metrics', method: 'GET', allow: 'HEAD, OPTIONS, GET', handler: metricsRoute(ctx) },
    { path: '/setup', method: 'POST', allow: 'POST, OPTIONS', handler: setupRoute(ctx) },
    { path: '/predict', method: 'POST', allow: 'POST, OPTIONS', handler: predictRoute(ctx) },
    { path: '/webhook', method: 'POST', allow: 'POST, OPTIONS', handler: webhookRoute(ctx) },
    { path: '/job_status', method: 'POST', allow: 'POST, OPTIONS', handler: jobStatusRoute(ctx) },
    { path: '/jobs/predict', method: 'POST', allow: 'POST, OPTIONS', handler: jobsPredictRoute(ctx, env) },
    { path: '/jobs/cancel', method: 'POST', allow: 'POST, OPTIONS', handler: jobsCancelRoute(ctx) },
    { path: '/ready', method: 'GET', allow: 'HEAD, OPTIONS, GET', handler: readyRoute(ctx) },
  ];
  const routes = new Map(routeList.map((r) => [r.path, r]));
  const auth = config.basicAuthUser && config.basicAuthPass ? basicAuth(config.basicAuthUser, config.basicAuthPass) : undefined;
  const bodyLimit = parseByteSize(config.maxBodySize);
  const bodyLimitText = String(config.maxBodySize);
  const basePath = config.basePath;
  let active = 0;

  const send = (res: ServerResponse, reply: Reply): void => {
    if (res.headersSent) return;
    const headers: OutgoingHttpHeaders = reply.headers ? { ...reply.headers } : {};
    if (reply.body !== undefined) {
      headers['Content-Type'] = reply.type;
      headers['Content-Length'] = Buffer.byteLength(reply.body);
    }
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  };

  /** Flask answers HTML; clients that ask for JSON (and not HTML) get the JSON envelope instead. */
  const htmlOrJson = (req: IncomingMessage, status: number, html: string, detail: string, query: string, headers?: Record<string, string>): Reply => {
    const accept = req.headers.accept;
    if (accept && !acceptsType(accept, 'text/html') && acceptsType(accept, 'application/json')) {
      return jsonReply(status, errorBody(status, detail, query), headers);
    }
    return { status, type: 'text/html; charset=utf-8', body: html, headers };
  };

  const errorReply = (err: unknown, route: RouteDefinition, query: string): Reply => {
    if (err instanceof HttpError) {
      return jsonReply(err.status, errorBody(err.status, err.message, query, err.errors ? { errors: err.errors } : {}), err.headers);
    }
    if (LsmlError.is(err)) {
      // lsml's own errors say which status they are (a misfit label config is 422): answer it with the
      // JSON envelope; only server-side ones (5xx) are logged as failures.
      if (err.status >= 500) logger.error({ err, path: route.path, code: err.code }, 'Request failed');
      else logger.warn({ err: describeError(err), path: route.path, code: err.code }, 'Request rejected');
      return jsonReply(err.status, errorBody(err.status, describeError(err), query, { code: err.code }));
    }
    const code = route.path === '/webhook' && isFileNotFound(err) ? 404 : 500;
    logger.error({ err, path: route.path }, 'Model code failed');
    const traceback = config.debug && err instanceof Error && err.stack ? err.stack : describeError(err);
    return jsonReply(code, errorBody(code, describeError(err), query, { result: { traceback } }));
  };

  const fail = (res: ServerResponse, err: unknown, route: RouteDefinition, query: string): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    try {
      send(res, errorReply(err, route, query));
    } catch (sendErr) {
      logger.error({ err: sendErr }, 'Could not send an error answer');
      res.destroy();
    }
  };

  const run = async (req: IncomingMessage, route: RouteDefinition, rreq: NodeRouteRequest): Promise<Reply> => {
    assertJsonContentType(req.headers['content-type']);
    // Inside an Express app that already parsed the body, take its result.
    const preParsed = (req as { body?: unknown }).body;
    const body = preParsed !== undefined && req.readableEnded ? preParsed : await readJsonBody(req, bodyLimit, bodyLimitText);
    assertObjectBody(body);
    rreq.body = body;
    return route.handler(rreq);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, next?: () => void): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const fullPath = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    let path: string | undefined = fullPath;
    if (basePath) {
      if (fullPath === basePath) path = '/';
      else if (fullPath.startsWith(basePath) && fullPath.charCodeAt(basePath.length) === 47 /* / */) path = fullPath.slice(basePath.length);
      else path = undefined;
    }
    const route = path === undefined ? undefined : routes.get(path);
    // Mounted in Express: what is not ours belongs to the host app.
    if (!route && next) return next();

    active++;
    if (status.closing) res.setHeader('Connection', 'close');
    const started = performance.now();
    const method = req.method ?? 'GET';
    // Known routes keep their name; anything else is one label, so scanners cannot blow up cardinality.
    const label = route ? route.path : 'other';
    // 'close' fires once per response; `on` spares `once`'s wrapper on this hot path.
    res.on('close', () => {
      active--;
      metrics.observeRequest(label, method, res.statusCode, (performance.now() - started) / 1000);
    });

    if (auth) {
      const denied = auth(req.headers.authorization);
      if (denied) return send(res, denied);
    }
    if (!route) return send(res, htmlOrJson(req, 404, NOT_FOUND_HTML, `Not Found: ${fullPath}`, query));
    if (method !== route.method && !(method === 'HEAD' && route.method === 'GET')) {
      if (method === 'OPTIONS') return send(res, { status: 200, headers: { Allow: route.allow, 'Content-Length': '0' } });
      return send(
        res,
        htmlOrJson(req, 405, METHOD_NOT_ALLOWED_HTML, 'Method Not Allowed: the method is not allowed for the requested URL.', query, { Allow: route.allow }),
      );
    }
    const rreq = new NodeRouteRequest(method, path!, query, req.headers, res);
    try {
      const reply = route.method === 'POST' ? run(req, route, rreq) : route.handler(rreq);
      if (reply instanceof Promise) {
        reply.then(
          (r) => {
            try {
              send(res, r);
            } catch (err) {
              fail(res, err, route, query);
            }
          },
          (err: unknown) => fail(res, err, route, query),
        );
      } else {
        send(res, reply);
      }
    } catch (err) {
      fail(res, err, route, query);
    }
  };

  let shutdown: Promise<void> | undefined;
  return {
    config,
    store,
    logger,
    registry,
    trainingQueue,
    metrics,
    ready,
    handle,
    inFlight: () => active,
    beginClosing() {
      status.closing = true;
    },
    shutdown() {
      shutdown ??= (async () => {
        status.closing = true;
        await trainingQueue.close();
        // Disposes every instance now, or when a request still running past the shutdown timeout releases it.
        await registry.close();
        await store.close();
      })();
      return shutdown;
    },
  };
}

function queueScheduler(queue: TrainingQueue): TrainingScheduler {
  return {
    async schedule(projectId, labelConfig, event, data, options) {
      const { job, coalesced, pending } = await queue.submit(
        projectId,
        labelConfig,
        { event, data: data as WebhookData, receivedAt: new Date().toISOString() },
        options,
      );
      if (!job) return { status: 'skipped', annotations_since_training: pending, train_every: options?.threshold };
      return { status: 'scheduled', job: job.id, job_status: job.status, coalesced };
    },
  };
}
