import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import type { BackendClass } from '../model/label-studio-ml-base.js';
import type { StateStore } from '../state/state-store.js';
import type { TrainingQueue } from '../training/training-job.js';
import { createLsmlApp, type CreateServerOptions } from './lsml-app.js';
import type { ServerMetrics } from './metrics.js';
import type { ModelRegistry } from './model-registry.js';

export type { CreateServerOptions } from './lsml-app.js';

/** A running (or ready to listen) lsml server: `createServer`'s result. */
export interface LsmlServer {
  /** The node:http request listener (usable with `http.createServer` or any compatible server). */
  readonly handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
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

/**
 * The HTTP server Label Studio talks to, wire-compatible with the Python SDK (§4): lsml's routes on a
 * plain node:http server. One process serves one model class; each project gets its own instance and
 * state. To serve lsml from inside an Express app instead, see `createExpressRouter` (`@lsml/core/express`).
 */
export function createServer(ModelClass: BackendClass, options: CreateServerOptions = {}): LsmlServer {
  const app = createLsmlApp(ModelClass, options);
  const { config, logger } = app;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => app.handle(req, res);
  let server: http.Server | undefined;
  let closed: Promise<void> | undefined;

  return {
    handler,
    config,
    store: app.store,
    logger,
    registry: app.registry,
    trainingQueue: app.trainingQueue,
    inFlight: () => app.inFlight(),
    ready: app.ready,
    metrics: app.metrics,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        const s = http.createServer(handler);
        // Longer than typical proxy keep-alive so a load balancer never reuses a socket we just closed.
        s.keepAliveTimeout = 65_000;
        s.headersTimeout = 66_000;
        s.once('error', reject);
        s.listen(port, host, () => {
          server = s;
          const addr = s.address() as AddressInfo;
          const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          const url = `http://${h === '0.0.0.0' || h === '[::]' ? '127.0.0.1' : h}:${addr.port}${config.basePath}`;
          logger.info({ url, model_class: ModelClass.name || 'LabelStudioMLBase', store: app.store.kind }, 'lsml server listening');
          resolve({ ...addr, url });
        });
      });
    },
    close() {
      closed ??= (async () => {
        app.beginClosing();
        if (server && config.shutdownDelayMs > 0) {
          logger.info({ delayMs: config.shutdownDelayMs }, 'Draining: /ready answers 503 before the port closes');
          await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
        }
        if (server) {
          const s = server;
          const done = new Promise<void>((resolve) => s.close(() => resolve()));
          s.closeIdleConnections();
          const deadline = Date.now() + config.shutdownTimeoutMs;
          while (app.inFlight() > 0 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 10));
            s.closeIdleConnections();
          }
          s.closeAllConnections();
          await done;
        }
        await app.shutdown();
        logger.info('lsml server stopped');
      })();
      return closed;
    },
  };
}
