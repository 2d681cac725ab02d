// Starts an app in-process on an ephemeral port, with its own temporary MODEL_DIR.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createServer, type BackendClass, type LsmlServer } from '@lsml/core';

export interface Backend {
  readonly url: string;
  readonly server: LsmlServer;
  readonly modelDir: string;
  close(): Promise<void>;
}

/**
 * Serve `ModelClass` on 127.0.0.1 with SQLite state and the embedded training queue under a fresh
 * temporary MODEL_DIR. `env` is also what the server reads its settings from.
 */
export async function startBackend(ModelClass: BackendClass, env: Record<string, string> = {}): Promise<Backend> {
  const modelDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-e2e-'));
  const server = createServer(ModelClass, {
    env: { ...env, MODEL_DIR: modelDir },
    modelDir,
    logLevel: 'silent',
    // A prediction the label config does not allow fails loudly here, not silently in the editor.
    strictValidation: true,
  });
  const { url } = await server.listen(0, '127.0.0.1');
  await server.ready;
  return {
    url,
    server,
    modelDir,
    close: async () => {
      await server.close();
      await fs.rm(modelDir, { recursive: true, force: true });
    },
  };
}

/** Set environment variables for the rest of this test file's process (each file runs in its own fork). */
export function setEnv(vars: Record<string, string>): void {
  Object.assign(process.env, vars);
}
