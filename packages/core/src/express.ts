/**
 * `@lsml/core/express`: lsml's routes as an Express router, for apps that serve Label Studio's ML
 * backend from inside their own Express server. Express is an optional peer dependency, loaded only
 * by this entry point.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { BackendClass } from './model/label-studio-ml-base.js';
import { createLsmlApp, type CreateServerOptions, type LsmlApp } from './server/lsml-app.js';

export type { CreateServerOptions, LsmlApp } from './server/lsml-app.js';

/** An Express router serving lsml's routes, with the lsml app behind it (`lsml.close()` on shutdown). */
export type LsmlExpressRouter = Router & {
  /** Routes, state and model registry behind the router. */
  readonly lsml: LsmlApp;
  /** Finish in-flight lsml requests (up to `shutdownTimeoutMs`), then stop training and close the store. */
  close(): Promise<void>;
};

/**
 * Mount lsml in an Express app: `app.use('/ml', createExpressRouter(MyModel))`. The routes, status
 * codes and bodies are those of `lsml start`; paths that are not lsml routes go on to the rest of your
 * app. If your app parses JSON bodies itself (`express.json()`), lsml uses the parsed body.
 */
export function createExpressRouter(ModelClass: BackendClass, options: CreateServerOptions = {}): LsmlExpressRouter {
  const lsml = createLsmlApp(ModelClass, options);
  const router = Router();
  router.use((req: Request, res: Response, next: NextFunction) => lsml.handle(req, res, () => next()));
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      lsml.beginClosing();
      const deadline = Date.now() + lsml.config.shutdownTimeoutMs;
      while (lsml.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await lsml.shutdown();
    })();
    return closed;
  };
  return Object.assign(router, { lsml, close });
}
