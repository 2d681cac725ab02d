// Start a backend the way its tests need it: a class in this process (createServer on an ephemeral port,
// temp MODEL_DIR), or a model file as a real `lsml start` process, exactly as a user runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, isBackendClass, type BackendClass, type CreateServerOptions, type LsmlServer } from '@lsml/core';
import type { BasicAuth } from './http.js';

/** Options of {@link startBackend}. */
export interface StartBackendOptions {
  /** Turn basic auth on (both values needed, as in Label Studio). */
  basicAuth?: BasicAuth;
  /** MODEL_DIR (state, queue and artifacts). Default: a new temp directory, removed by `stop()`. */
  modelDir?: string;
  /**
   * Environment of the backend. A file runs with `process.env` plus these; a class gets only these
   * (as `createServer`'s `env`), so the tests do not depend on the developer's shell.
   */
  env?: Record<string, string | undefined>;
  /** Log level (default `silent` for a class; a process logs at `info` into `output()`). */
  logLevel?: string;
  /** File mode: more `lsml start` arguments, e.g. `['--with', 'threshold=0.5']`. */
  args?: string[];
  /** Class mode: more `createServer` options (`strictValidation`, `store`, ...). */
  server?: CreateServerOptions;
  /** File mode: how long to wait for the server to listen (default 60 s). */
  startTimeoutMs?: number;
  /** File mode: the `lsml` CLI to run (default: `@lsml/core`'s, resolved from the model file's folder). */
  cli?: string;
}

/** A backend started by {@link startBackend}: its URL, credentials and `stop()`. */
export interface RunningBackend {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The credentials the backend requires, if any (the other kit functions pick them up). */
  readonly auth: BasicAuth | undefined;
  readonly modelDir: string;
  readonly mode: 'in-process' | 'process';
  /** `/health`'s `model_class` when known up front (class mode). */
  readonly modelClass: string | undefined;
  /** The class's extra webhook events (class mode), e.g. `ANNOTATIONS_CREATED`. */
  readonly webhookEvents: readonly string[] | undefined;
  /** Class mode: the server. */
  readonly server: LsmlServer | undefined;
  /** File mode: the `lsml start` process. */
  readonly child: ChildProcess | undefined;
  /** File mode: what the process wrote to stdout and stderr so far. */
  output(): string;
  /** Stop the server (SIGTERM for a process, then SIGKILL after 10 s) and remove a temp MODEL_DIR. */
  stop(): Promise<void>;
}

/**
 * Start `model` on an ephemeral port on 127.0.0.1.
 *
 * - a class (`LabelStudioMLBase` subclass or `defineBackend()` result): in this process with `createServer`;
 * - a path or `file:` URL of a model file: `lsml start <file>` as a child process, like a user runs it.
 *
 * @example
 * ```ts
 * import { replayConformanceCases, startBackend } from '@lsml/testing';
 * import { expect, it } from 'vitest';
 *
 * it('speaks the protocol', async () => {
 *   const backend = await startBackend(new URL('./model.ts', import.meta.url));
 *   try {
 *     const report = await replayConformanceCases(backend);
 *     expect(report.failed).toEqual([]);
 *   } finally {
 *     await backend.stop();
 *   }
 * });
 * ```
 */
export async function startBackend(model: BackendClass | string | URL, options: StartBackendOptions = {}): Promise<RunningBackend> {
  if (typeof model === 'function') {
    if (!isBackendClass(model)) throw new TypeError(`startBackend: ${(model as { name?: string }).name || 'the class'} is not a LabelStudioMLBase subclass or a defineBackend() result`);
    return startInProcess(model, options);
  }
  const file = model instanceof URL ? fileURLToPath(model) : path.resolve(model);
  if (!fs.existsSync(file)) throw new Error(`startBackend: model file not found: ${file}`);
  return startProcess(file, options);
}

function tempModelDir(given: string | undefined): { dir: string; owned: boolean } {
  if (given) {
    fs.mkdirSync(given, { recursive: true });
    return { dir: given, owned: false };
  }
  return { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-kit-')), owned: true };
}

async function startInProcess(Model: BackendClass, options: StartBackendOptions): Promise<RunningBackend> {
  const { dir, owned } = tempModelDir(options.modelDir);
  const server = createServer(Model, {
    modelDir: dir,
    logLevel: options.logLevel ?? 'silent',
    env: { ...options.env },
    ...(options.basicAuth ? { basicAuthUser: options.basicAuth.user, basicAuthPass: options.basicAuth.pass } : {}),
    ...options.server,
  });
  let address: { url: string };
  try {
    address = await server.listen(0, '127.0.0.1');
  } catch (err) {
    await server.close().catch(() => undefined);
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: address.url,
    auth: options.basicAuth,
    modelDir: dir,
    mode: 'in-process',
    modelClass: Model.name || 'LabelStudioMLBase',
    webhookEvents: Model.webhookEvents,
    server,
    child: undefined,
    output: () => '',
    stop: () =>
      (stopped ??= (async () => {
        await server.close();
        if (owned) fs.rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

/** The `lsml` bin of the `@lsml/core` a user's project would run: resolved from the model's folder first. */
export function resolveLsmlCli(fromDir: string): string {
  const bases = [path.join(fromDir, 'noop.js'), path.join(process.cwd(), 'noop.js'), fileURLToPath(import.meta.url)];
  for (const base of bases) {
    try {
      const pkgFile = createRequire(base).resolve('@lsml/core/package.json');
      const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { bin?: string | Record<string, string> };
      const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.lsml;
      if (bin) return path.join(path.dirname(pkgFile), bin);
    } catch {
      // not resolvable from here; try the next base
    }
  }
  throw new Error('startBackend: cannot find the lsml CLI (install @lsml/core)');
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

async function startProcess(file: string, options: StartBackendOptions): Promise<RunningBackend> {
  const cli = options.cli ?? resolveLsmlCli(path.dirname(file));
  const { dir, owned } = tempModelDir(options.modelDir);
  const args = [cli, 'start', file, '--port', '0', '--host', '127.0.0.1', '--model-dir', dir];
  if (options.basicAuth) args.push('--basic-auth-user', options.basicAuth.user, '--basic-auth-pass', options.basicAuth.pass);
  args.push(...(options.args ?? []));
  const env: Record<string, string | undefined> = {
    ...process.env,
    // Auth only when asked for; the developer's shell must not switch it on.
    BASIC_AUTH_USER: '',
    BASIC_AUTH_PASS: '',
    ML_SERVER_BASIC_AUTH_USER: '',
    ML_SERVER_BASIC_AUTH_PASS: '',
    ...options.env,
    LOG_FORMAT: 'json',
    LOG_LEVEL: options.logLevel ?? 'info',
  };
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: path.dirname(file) });
  killOnExit(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`lsml start ${file} did not listen within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onExit = (code: number | null) => fail(new Error(`lsml start ${file} exited with ${code} before listening:\n${out}`));
    const onData = () => {
      for (const line of out.split('\n')) {
        if (!line.includes('lsml server listening')) continue;
        try {
          const parsed = JSON.parse(line) as { url?: string };
          if (parsed.url) return done(parsed.url);
        } catch {
          // a partial line: wait for the rest
        }
      }
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.off('data', onData);
    };
    const done = (u: string) => {
      cleanup();
      resolve(u);
    };
    const fail = (err: Error) => {
      cleanup();
      child.kill('SIGKILL');
      if (owned) fs.rmSync(dir, { recursive: true, force: true });
      reject(err);
    };
    child.once('exit', onExit);
    child.stdout!.on('data', onData);
  });
  let stopped: Promise<void> | undefined;
  return {
    url,
    auth: options.basicAuth,
    modelDir: dir,
    mode: 'process',
    modelClass: undefined,
    webhookEvents: undefined,
    server: undefined,
    child,
    output: () => out,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          await new Promise<void>((resolve) => {
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          });
        }
        if (owned) fs.rmSync(dir, { recursive: true, force: true });
      })()),
  };
}
