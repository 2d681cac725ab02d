/**
 * Server settings and the environment variables behind them. Names follow the Python SDK (§8.1) where
 * one exists; lsml's own additions start with `LSML_`.
 */
export interface ServerConfig {
  port: number;
  host: string;
  modelDir: string;
  basicAuthUser?: string;
  basicAuthPass?: string;
  logLevel: string;
  /** Include stack traces in 500 bodies. */
  debug: boolean;
  cacheType: string;
  /** Path prefix the routes are served under, e.g. `/ml` (no trailing slash). */
  basePath: string;
  /** Largest accepted request body, in bytes or a size string such as `50mb`. */
  maxBodySize: string | number;
  /** A prediction that fails `validatePrediction` gives a 500 instead of a log warning. */
  strictValidation: boolean;
  /** How long SIGTERM waits for in-flight requests before closing connections (ms). */
  shutdownTimeoutMs: number;
  /**
   * After SIGTERM, keep listening this long (ms) with /ready answering 503, so a load balancer stops
   * sending traffic before the port closes; connections arriving in between are still answered.
   */
  shutdownDelayMs: number;
  /** Training queue: `embedded` (in the SQLite state file, jobs run in the server) or `bullmq` (Redis). */
  queue: string;
  /** Redis for `CACHE_TYPE=redis` and `QUEUE=bullmq`. */
  redisUrl: string;
  /** Run training jobs in this process (default: yes for the embedded queue, no for bullmq). */
  runTraining?: boolean;
  /** Predictions running at once; more wait in a queue. */
  maxConcurrency: number;
  /** Predictions allowed to wait; beyond that, 503 with Retry-After. */
  maxQueue: number;
  /** A prediction taking longer answers 504 (Label Studio itself gives up after 100 s). */
  predictTimeoutMs: number;
}

/**
 * The environment variable behind each {@link ServerConfig} setting (the names of the Python SDK where it has one).
 */
export const ENV_VARS = {
  port: 'PORT',
  host: 'HOST',
  modelDir: 'MODEL_DIR',
  basicAuthUser: 'BASIC_AUTH_USER',
  basicAuthPass: 'BASIC_AUTH_PASS',
  logLevel: 'LOG_LEVEL',
  debug: 'DEBUG',
  cacheType: 'CACHE_TYPE',
  basePath: 'LSML_BASE_PATH',
  maxBodySize: 'LSML_MAX_BODY_SIZE',
  strictValidation: 'LSML_STRICT_VALIDATION',
  shutdownTimeoutMs: 'LSML_SHUTDOWN_TIMEOUT_MS',
  shutdownDelayMs: 'LSML_SHUTDOWN_DELAY_MS',
  queue: 'QUEUE',
  redisUrl: 'REDIS_URL',
  runTraining: 'LSML_RUN_TRAINING',
  maxConcurrency: 'LSML_MAX_CONCURRENCY',
  maxQueue: 'LSML_MAX_QUEUE',
  predictTimeoutMs: 'LSML_PREDICT_TIMEOUT_MS',
} as const satisfies Record<keyof ServerConfig, string>;

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

function positiveInt(v: string | undefined, fallback: number, allowZero = false): number {
  const n = Number(v);
  return v !== undefined && Number.isInteger(n) && (allowZero ? n >= 0 : n > 0) ? n : fallback;
}

export function normalizeBasePath(p: string | undefined): string {
  if (!p || p === '/') return '';
  const withSlash = p.startsWith('/') ? p : `/${p}`;
  return withSlash.replace(/\/+$/, '');
}

/** Read settings from the environment; `overrides` (CLI flags, code) win. */
export function loadConfig(overrides: Partial<ServerConfig> = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<ServerConfig>;
  const port = Number(env.PORT ?? 9090);
  const config: ServerConfig = {
    port: Number.isInteger(port) && port >= 0 && port < 65536 ? port : 9090,
    host: env.HOST ?? '0.0.0.0',
    modelDir: env.MODEL_DIR ?? '.',
    basicAuthUser: env.BASIC_AUTH_USER || undefined,
    basicAuthPass: env.BASIC_AUTH_PASS || undefined,
    logLevel: env.LOG_LEVEL ?? 'INFO',
    debug: truthy(env.DEBUG),
    cacheType: (env.CACHE_TYPE ?? 'sqlite').toLowerCase(),
    basePath: normalizeBasePath(env.LSML_BASE_PATH),
    maxBodySize: env.LSML_MAX_BODY_SIZE ?? '50mb',
    strictValidation: truthy(env.LSML_STRICT_VALIDATION),
    shutdownTimeoutMs: Number(env.LSML_SHUTDOWN_TIMEOUT_MS ?? 30_000),
    shutdownDelayMs: positiveInt(env.LSML_SHUTDOWN_DELAY_MS, 0, true),
    queue: (env.QUEUE ?? 'embedded').toLowerCase(),
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    runTraining: env.LSML_RUN_TRAINING === undefined ? undefined : truthy(env.LSML_RUN_TRAINING),
    maxConcurrency: positiveInt(env.LSML_MAX_CONCURRENCY, 64),
    maxQueue: positiveInt(env.LSML_MAX_QUEUE, 1024, true),
    predictTimeoutMs: positiveInt(env.LSML_PREDICT_TIMEOUT_MS, 100_000),
    ...defined,
  };
  config.basePath = normalizeBasePath(config.basePath);
  return config;
}
