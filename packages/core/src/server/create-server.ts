import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { LsmlError } from '../errors.js';
import { LabelConfigError } from '../label-config/parse-config.js';
import { validatePrediction } from '../label-config/validate-prediction.js';
import { loadConfig, type ServerConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { BackendClass, LabelStudioMLBase, PredictOptions } from '../model/label-studio-ml-base.js';
import { normalizePredictions } from '../protocol/model-response.js';
import { TRAIN_EVENTS, type HealthResponse, type Task, type WebhookData } from '../protocol/types.js';
import { createStateStore } from '../state/create-state-store.js';
import type { StateStore } from '../state/state-store.js';
import { basicAuth } from './basic-auth.js';
import { describeError, HttpError, isFileNotFound, sendError } from './http-errors.js';
import { ModelRegistry } from './model-registry.js';
import { Admission, OverloadedError } from './admission.js';
import { ServerMetrics } from './metrics.js';
import { runtimeMetrics } from './runtime-metrics.js';
import { jobStatusSchema, parseBody, predictSchema, setupSchema, webhookProjectSchema, webhookSchema } from './request-schemas.js';
import { createTrainingQueue } from '../training/create-training-queue.js';
import { createJobProcessor } from '../training/run-training-job.js';
import type { TrainingScheduler } from '../training/training-context.js';
import { jobStatusBody, type TrainingQueue } from '../training/training-job.js';

export interface CreateServerOptions extends Partial<ServerConfig> {
  /** Defaults to the store named by `cacheType` (`CACHE_TYPE`) under `modelDir`. */
  store?: StateStore;
  /** Defaults to the queue named by `queue` (`QUEUE`). */
  trainingQueue?: TrainingQueue;
  logger?: Logger;
  /** Environment to read settings from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

export interface LsmlServer {
  readonly app: Express;
  readonly config: ServerConfig;
  readonly store: StateStore;
  readonly logger: Logger;
  readonly registry: ModelRegistry;
  readonly trainingQueue: TrainingQueue;
  /** Start listening; resolves with the bound address (port 0 picks a free one). */
  listen(port?: number, host?: string): Promise<AddressInfo & { url: string }>;
  /** Stop accepting, let in-flight requests finish, close the store. Idempotent. */
  close(): Promise<void>;
  /** Requests being handled right now. */
  inFlight(): number;
  /** Resolves once the model class's `preload()` finished (`/ready` answers 200 from then on). */
  readonly ready: Promise<void>;
  readonly metrics: ServerMetrics;
}

const TRAIN_EVENT_SET: ReadonlySet<string> = new Set(TRAIN_EVENTS);

/** The Flask routes and the methods Flask lists in `Allow` for them (§2). */
const ROUTES: ReadonlyArray<{ path: string; allow: string }> = [
  { path: '/', allow: 'HEAD, OPTIONS, GET' },
  { path: '/health', allow: 'HEAD, OPTIONS, GET' },
  { path: '/metrics', allow: 'HEAD, OPTIONS, GET' },
  { path: '/setup', allow: 'POST, OPTIONS' },
  { path: '/predict', allow: 'POST, OPTIONS' },
  { path: '/webhook', allow: 'POST, OPTIONS' },
  { path: '/job_status', allow: 'POST, OPTIONS' },
  { path: '/ready', allow: 'HEAD, OPTIONS, GET' },
];

const NOT_FOUND_HTML =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';
const METHOD_NOT_ALLOWED_HTML =
  '<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n';

/**
 * The HTTP server Label Studio talks to, wire-compatible with the Python SDK (§4). One process serves
 * one model class; each project gets its own instance and state.
 */
export function createServer(ModelClass: BackendClass, options: CreateServerOptions = {}): LsmlServer {
  const { store: givenStore, logger: givenLogger, env, trainingQueue: givenQueue, ...overrides } = options;
  const config = loadConfig(overrides, env);
  const logger = givenLogger ?? createLogger({ level: config.logLevel });
  const store = givenStore ?? createStateStore(config);
  const trainingQueue = givenQueue ?? createTrainingQueue({ ...config, cacheType: store.kind }, logger, env);
  const scheduler = queueScheduler(trainingQueue);
  const registry = new ModelRegistry(ModelClass, { store, logger, scheduler });
  const modelClassName = ModelClass.name || 'LabelStudioMLBase';
  // The four Python train events, plus whatever the model opts into (e.g. ANNOTATIONS_CREATED).
  const fitEvents: ReadonlySet<string> = new Set([...TRAIN_EVENT_SET, ...(ModelClass.webhookEvents ?? [])]);
  if (config.runTraining ?? trainingQueue.kind === 'embedded') {
    trainingQueue.startWorker(createJobProcessor({ registry, modelDir: config.modelDir, logger, env }));
  }
  const admission = new Admission(config.maxConcurrency, config.maxQueue);
  let active = 0;
  let closing = false;

  /**
   * The instance for (project, label config). A config that does not parse is bad input: 422 (Python
   * answers 500; LS treats every non-2xx alike, Q4). The detail keeps Python's exception name, which LS
   * shows as the backend's error message. Errors from the model's own setup() stay 500.
   * The caller holds a lease: it must call `release()` once the model's work has settled.
   */
  const getModel = async (projectId: string, labelConfig: string | null | undefined, field: string) => {
    try {
      return await registry.acquire(projectId, labelConfig);
    } catch (err) {
      if (LabelConfigError.isLabelConfigError(err)) {
        logger.warn({ err: describeError(err), project: projectId }, 'Invalid label config');
        throw new HttpError(422, describeError(err), [{ field, message: err.message }]);
      }
      throw err;
    }
  };

  // Readiness (not liveness): a load balancer should wait until shared weights are loaded.
  let isReady = false;
  let readyError: string | undefined;
  const ready = Promise.resolve()
    .then(() => ModelClass.preload?.())
    .then(
      () => {
        isReady = true;
      },
      (err: unknown) => {
        readyError = describeError(err);
        logger.error({ err }, 'Model preload failed: /ready answers 503');
      },
    );
  const metrics = new ServerMetrics({
    admission: () => ({ inFlight: admission.inFlight, queued: admission.queued }),
    jobs: () => trainingQueue.countJobs(),
    ready: () => isReady && !closing,
  });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('strict routing', true);
  app.set('case sensitive routing', true);
  // Python's jsonify answers with a trailing newline and no pretty printing; any valid JSON will do.
  app.set('json spaces', 0);

  // Count in-flight requests so a shutdown can wait for them; after SIGTERM, close keep-alive sockets.
  // Also the per-route request metrics.
  app.use((req, res, next) => {
    active++;
    if (closing) res.setHeader('Connection', 'close');
    const started = process.hrtime.bigint();
    res.once('close', () => {
      active--;
      const route = routeLabel(req.path, config.basePath);
      metrics.requests.inc({ route, method: req.method, status: String(res.statusCode) });
      metrics.latency.observe({ route, method: req.method }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });

  if (config.basicAuthUser && config.basicAuthPass) {
    app.use(basicAuth(config.basicAuthUser, config.basicAuthPass));
  }

  const router = express.Router({ strict: true, caseSensitive: true });
  const jsonBody = express.json({ limit: config.maxBodySize, strict: false, type: () => true });
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is(['application/json', 'application/*+json'])) {
      throw new HttpError(
        415,
        "Unsupported Media Type: Did not attempt to load JSON data because the request Content-Type was not 'application/json'.",
      );
    }
    next();
  };
  const requireObject: RequestHandler = (req, _res, next) => {
    const body: unknown = req.body;
    if (body === undefined) throw new HttpError(400, 'Bad Request: the request body is empty; a JSON object is required');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'Bad Request: the request body must be a JSON object');
    }
    next();
  };
  const post = [requireJson, jsonBody, requireObject];

  const health = (_req: Request, res: Response) => {
    const body: HealthResponse = { model_class: modelClassName, status: 'UP' };
    res.json(body);
  };
  router.get('/', health);
  router.get('/health', health);
  router.get('/metrics', async (req, res) => {
    // Python answers `{}` (§4.2) and so do we by default; Prometheus asks for text in its Accept header
    // (text/plain or OpenMetrics) and gets the exposition format, as does `?format=prometheus`.
    const accept = req.get('accept') ?? '';
    if (req.query.format === 'prometheus' || /openmetrics-text|text\/plain/.test(accept)) {
      // The server's own metrics, then those runtimes recorded (LLM tokens, …) through `runtimeMetrics`.
      const runtime = await runtimeMetrics.registry.metrics();
      res.type(metrics.registry.contentType).send((await metrics.registry.metrics()) + (runtime.trim() ? `\n${runtime}` : ''));
      return;
    }
    res.json({});
  });
  router.get('/ready', (req, res) => {
    if (isReady && !closing) {
      res.json({ status: 'READY', model_class: modelClassName });
      return;
    }
    const detail = closing ? 'Service Unavailable: shutting down' : readyError ? `Service Unavailable: preload failed: ${readyError}` : 'Service Unavailable: loading the model';
    sendError(req, res, 503, detail);
  });

  router.post('/setup', ...post, async (req, res) => {
    const body = parseBody(setupSchema, req.body);
    const projectId = projectIdOf(body.project);
    const { model, release: releaseModel } = await getModel(projectId, body.schema, 'schema');
    try {
      const extra = body.extra_params;
      // Python stores extra_params only when truthy; it accepts strings only (Q8): objects are stringified.
      if (isTruthy(extra)) {
        await model.set('extra_params', typeof extra === 'string' ? extra : JSON.stringify(extra));
      }
      res.json({ model_version: await model.getModelVersion() });
    } finally {
      releaseModel();
    }
  });

  router.post('/predict', ...post, async (req, res) => {
    const body = parseBody(predictSchema, req.body);
    const tasks = body.tasks as Task[];
    // Python: str(None) → project "None"; keep it so existing caches line up (Q9).
    const projectId = body.project == null ? 'None' : projectIdOf(body.project);
    const { context = {}, ...params } = body.params ?? {};
    // A client that gives up (or a timeout) aborts the prediction's signal.
    const abort = new AbortController();
    const onClose = () => {
      if (!res.writableEnded) abort.abort(new Error('client closed the connection'));
    };
    res.once('close', onClose);
    let release: (() => void) | undefined;
    try {
      release = await admission.acquire(abort.signal);
    } catch (err) {
      if (err instanceof OverloadedError) {
        metrics.rejected.inc({ reason: 'overloaded' });
        throw new HttpError(503, err.message, undefined, { 'Retry-After': String(err.retryAfterSeconds) });
      }
      throw err;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = (async () => {
        // Held until predict() settles, even past a 504: the model may still be running then.
        const { model, release: releaseModel } = await getModel(projectId, body.label_config, 'label_config');
        try {
          await model.refresh();
          // The version this request predicts with: a new one may land while predict() runs.
          const version = model.modelVersion;
          const options: PredictOptions = { context: context as PredictOptions['context'], params, signal: abort.signal };
          const raw = await model.predict(tasks, options);
          const results = normalizePredictions(raw, version);
          const failures = checkPredictions(model, results, config.strictValidation, logger);
          if (failures) metrics.validationWarnings.inc(failures);
          return { results, version };
        } finally {
          releaseModel();
        }
      })();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort.abort(new Error('predict timeout'));
          reject(new HttpError(504, `Gateway Timeout: predict took longer than ${config.predictTimeoutMs} ms`));
        }, config.predictTimeoutMs);
      });
      // The model's own promise may still settle after a timeout; keep its rejection from going unhandled.
      work.catch(() => {});
      const { results, version } = await Promise.race([work, timeout]);
      metrics.predictions.inc({ model_version: version }, results.length);
      res.json({ results });
    } catch (err) {
      if (err instanceof HttpError && err.status === 504) metrics.rejected.inc({ reason: 'timeout' });
      throw err;
    } finally {
      clearTimeout(timer);
      release();
      res.off('close', onClose);
    }
  });

  router.post('/webhook', ...post, async (req, res) => {
    const { action, ...data } = parseBody(webhookSchema, req.body);
    if (!fitEvents.has(action)) {
      res.status(200).json({ status: 'Unknown event' });
      return;
    }
    const { project } = parseBody(webhookProjectSchema, data);
    const { model, release: releaseModel } = await getModel(String(project.id), project.label_config, 'project.label_config');
    let result: unknown;
    try {
      await model.refresh();
      result = await model.fit(action, data as WebhookData);
    } finally {
      releaseModel();
    }
    let text: string | undefined;
    // A scheduled training job is also reported top-level: LS records `job` and may poll /job_status.
    const job = typeof result === 'object' && result !== null && typeof (result as { job?: unknown }).job === 'string' ? (result as { job: string }).job : undefined;
    try {
      text = JSON.stringify({ result: result === undefined ? null : result, status: 'ok', ...(job ? { job } : {}) });
    } catch (err) {
      res.status(201).json({ error: err instanceof Error ? err.message : String(err), status: 'error' });
      return;
    }
    res.status(201).type('application/json').send(text);
  });

  router.post('/job_status', ...post, async (req, res) => {
    const { job } = parseBody(jobStatusSchema, req.body);
    const found = await trainingQueue.getJob(String(job));
    if (!found) throw new HttpError(404, `Not Found: no training job ${String(job)}`);
    res.json(jobStatusBody(found));
  });

  for (const { path, allow } of ROUTES) {
    router.options(path, (_req, res) => {
      res.set('Allow', allow).status(200).end();
    });
    router.all(path, (req, res) => {
      res.set('Allow', allow);
      sendHtmlOrJson(req, res, 405, METHOD_NOT_ALLOWED_HTML, 'Method Not Allowed: the method is not allowed for the requested URL.');
    });
  }

  app.use(config.basePath || '/', router);

  app.use((req, res) => {
    sendHtmlOrJson(req, res, 404, NOT_FOUND_HTML, `Not Found: ${req.path}`);
  });

  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const isWebhook = req.path.endsWith('/webhook');
    if (err instanceof HttpError) {
      if (err.headers) res.set(err.headers);
      return sendError(req, res, err.status, err.message, err.errors ? { errors: err.errors } : {});
    }
    if (LsmlError.is(err)) {
      // lsml's own errors say which status they are (a misfit label config is 422): answer it with the
      // JSON envelope; only server-side ones (5xx) are logged as failures.
      if (err.status >= 500) logger.error({ err, path: req.path, code: err.code }, 'Request failed');
      else logger.warn({ err: describeError(err), path: req.path, code: err.code }, 'Request rejected');
      return sendError(req, res, err.status, describeError(err), { code: err.code });
    }
    const parserError = asBodyParserError(err);
    if (parserError) {
      const status = parserError.status;
      const detail =
        parserError.type === 'entity.too.large'
          ? `Payload Too Large: the request body exceeds the ${String(config.maxBodySize)} limit`
          : parserError.type === 'entity.parse.failed'
            ? `Bad Request: Failed to decode JSON object: ${parserError.message}`
            : `Bad Request: ${parserError.message}`;
      return sendError(req, res, status, detail);
    }
    const status = isWebhook && isFileNotFound(err) ? 404 : 500;
    logger.error({ err, path: req.path }, 'Model code failed');
    const traceback = config.debug && err instanceof Error && err.stack ? err.stack : describeError(err);
    return sendError(req, res, status, describeError(err), { result: { traceback } });
  };
  app.use(onError);

  let server: http.Server | undefined;
  let closed: Promise<void> | undefined;

  return {
    app,
    config,
    store,
    logger,
    registry,
    trainingQueue,
    inFlight: () => active,
    ready,
    metrics,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        const s = http.createServer(app);
        // Longer than typical proxy keep-alive so a load balancer never reuses a socket we just closed.
        s.keepAliveTimeout = 65_000;
        s.headersTimeout = 66_000;
        s.once('error', reject);
        s.listen(port, host, () => {
          server = s;
          const addr = s.address() as AddressInfo;
          const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          const url = `http://${h === '0.0.0.0' || h === '[::]' ? '127.0.0.1' : h}:${addr.port}${config.basePath}`;
          logger.info({ url, model_class: modelClassName, store: store.kind }, 'lsml server listening');
          resolve({ ...addr, url });
        });
      });
    },
    close() {
      closed ??= (async () => {
        closing = true;
        if (server && config.shutdownDelayMs > 0) {
          logger.info({ delayMs: config.shutdownDelayMs }, 'Draining: /ready answers 503 before the port closes');
          await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
        }
        if (server) {
          const s = server;
          const done = new Promise<void>((resolve) => s.close(() => resolve()));
          s.closeIdleConnections();
          const deadline = Date.now() + config.shutdownTimeoutMs;
          while (active > 0 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 10));
            s.closeIdleConnections();
          }
          s.closeAllConnections();
          await done;
        }
        await trainingQueue.close();
        // Disposes every instance now, or when a request still running past the shutdown timeout releases it.
        await registry.close();
        await store.close();
        logger.info('lsml server stopped');
      })();
      return closed;
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

/** `"7.1712586036"` → `"7"`; numbers are accepted too, unlike Python (Q9). */
function projectIdOf(project: string | number): string {
  const s = String(project);
  const dot = s.indexOf('.');
  return dot < 0 ? s : s.slice(0, dot);
}

/** Python truthiness for JSON values: null, "", 0, false, {} and [] are falsy. */
function isTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function sendHtmlOrJson(req: Request, res: Response, status: number, html: string, detail: string): void {
  // Flask answers HTML; clients that ask for JSON get the JSON envelope instead.
  if (req.accepts(['text/html', 'application/json']) === 'application/json' && !req.accepts('text/html')) {
    sendError(req, res, status, detail);
    return;
  }
  res.status(status).type('text/html; charset=utf-8').send(html);
}

function asBodyParserError(err: unknown): { status: number; type: string; message: string } | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { status?: unknown; type?: unknown; message?: unknown };
  if (typeof e.type === 'string' && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, type: e.type, message: String(e.message ?? '') };
  }
  return null;
}

/**
 * Check every prediction against the label config before it leaves (§5.4 step 5: one invalid
 * prediction makes Label Studio drop the whole batch). Default: log a warning naming region and field;
 * strict mode: fail the request.
 */
function checkPredictions(model: LabelStudioMLBase, results: unknown[], strict: boolean, logger: Logger): number {
  const li = model.labelInterface;
  if (!li) return 0;
  let failures = 0;
  const problems: string[] = [];
  results.forEach((entry, i) => {
    const list = Array.isArray(entry) ? entry : [entry];
    list.forEach((prediction, j) => {
      if (typeof prediction !== 'object' || prediction === null || !('result' in prediction)) return;
      const { ok, errors } = validatePrediction(li, prediction as Parameters<typeof validatePrediction>[1]);
      if (ok) return;
      failures++;
      const where = Array.isArray(entry) ? `results[${i}][${j}]` : `results[${i}]`;
      for (const e of errors) problems.push(`${where}.${e.path}: ${e.message}`);
    });
  });
  if (problems.length === 0) return 0;
  if (strict) {
    throw new HttpError(500, `Prediction failed validation against the label config: ${problems.slice(0, 20).join('; ')}`);
  }
  logger.warn({ project: model.projectId, problems: problems.slice(0, 20), count: problems.length }, 'Prediction does not match the label config; Label Studio will reject this batch');
  return failures;
}

/** Known routes keep their name; anything else is one label, so scanners cannot blow up cardinality. */
function routeLabel(path: string, basePath: string): string {
  const p = basePath && path.startsWith(basePath) ? path.slice(basePath.length) || '/' : path;
  return ROUTES.some((r) => r.path === p) ? p : 'other';
}
