// Subpath entry `@lsml/core/server`: the HTTP server that speaks the ML backend protocol, its
// configuration and logger. It lives outside src/server/ so that the server's own modules can be
// reorganised without touching the list of what the entry point exports.
export { createServer, type CreateServerOptions, type LsmlServer } from '../server/create-server.js';
export { serve, type ServeOptions } from '../server/serve.js';
export { HttpError } from '../server/http-errors.js';
export { runtimeMetrics, type RuntimeMetrics, type MetricLabels } from '../server/runtime-metrics.js';
export { ModelRegistry } from '../server/model-registry.js';
export { loadConfig, ENV_VARS, type ServerConfig } from '../config.js';
export { createLogger, type Logger, type CreateLoggerOptions } from '../logger.js';
