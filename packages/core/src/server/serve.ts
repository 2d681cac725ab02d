import type { BackendClass } from '../model/label-studio-ml-base.js';
import { createServer, type CreateServerOptions, type LsmlServer } from './create-server.js';

/** Options of {@link serve}. */
export interface ServeOptions extends CreateServerOptions {
  /** Install SIGTERM/SIGINT handlers that shut down gracefully and exit 0 (default true). */
  handleSignals?: boolean;
}

/**
 * Create the server and listen on the configured host/port — what `lsml start` runs. On SIGTERM or
 * SIGINT: stop accepting, finish in-flight requests, close the store, exit 0.
 *
 * @example
 * ```ts
 * import { serve } from '@lsml/core';
 * import MyModel from './model.js';
 *
 * const { url } = await serve(MyModel); // PORT, HOST, MODEL_DIR… from the environment
 * console.log(`Connect ${url} in Label Studio`);
 * ```
 */
export async function serve(ModelClass: BackendClass, options: ServeOptions = {}): Promise<LsmlServer & { url: string }> {
  const { handleSignals = true, ...rest } = options;
  const server = createServer(ModelClass, rest);
  const { url } = await server.listen();
  if (handleSignals) {
    const stop = (signal: NodeJS.Signals) => {
      server.logger.info({ signal, inFlight: server.inFlight() }, 'Shutting down');
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          server.logger.error({ err }, 'Shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }
  return Object.assign(server, { url });
}
