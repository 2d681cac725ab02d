// Two ways to run an app for its tests — in this process with strict validation, or as `npm start`
// runs it (`lsml start` from the app's `start` script) — plus a JSON POST and the check Label Studio
// applies to a /predict answer (PROTOCOL.md §5.4), as one assertion that throws a KitError.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createServer, LabelInterface, MemoryStore, validatePrediction, type BackendClass, type PredictionValue } from '@lsml/core';
import { KitError } from './kit-error.js';

/** A JSON response: the status and the parsed body. */
export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/**
 * POST `body` as JSON to `url + route` and parse the JSON answer.
 *
 * ```ts
 * const res = await postJson(app.url, '/setup', setupRequest(1, config));
 * ```
 */
export async function postJson<T = Record<string, unknown>>(url: string, route: string, body: unknown): Promise<JsonResponse<T>> {
  const res = await fetch(url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

/** One prediction of a /predict answer, with the `model_version` Label Studio stores. */
export interface AppPrediction extends PredictionValue {
  model_version: string;
}

/**
 * What Label Studio requires of a /predict answer (§5.4): status 200, one prediction per task, each
 * valid for the label config (`validatePrediction`), scores null or in [0, 1], and the version /setup
 * reported. Returns the predictions; throws a KitError naming every problem otherwise.
 */
export function assertValidPredictions(config: string, res: JsonResponse, tasks: number, version: string): AppPrediction[] {
  const fail = (problem: string): never => {
    throw new KitError('/predict answer Label Studio would reject', [problem, `answer: ${JSON.stringify(res.body).slice(0, 500)}`]);
  };
  if (res.status !== 200) fail(`status ${res.status}, expected 200`);
  const results = res.body.results as AppPrediction[];
  if (!Array.isArray(results)) fail('results is not a list');
  if (results.length !== tasks) fail(`${results.length} results for ${tasks} tasks`);
  const li = new LabelInterface(config);
  results.forEach((p, i) => {
    if (Array.isArray(p)) fail(`results[${i}] is a list, expected one prediction`);
    if (p.model_version !== version) fail(`results[${i}].model_version is ${JSON.stringify(p.model_version)}, expected ${JSON.stringify(version)}`);
    if (!(p.score === null || (typeof p.score === 'number' && p.score >= 0 && p.score <= 1))) fail(`results[${i}].score ${String(p.score)} is not null or in [0, 1]`);
    const validation = validatePrediction(li, p);
    if (!validation.ok || validation.errors.length > 0) fail(`results[${i}] is invalid: ${JSON.stringify(validation.errors)}`);
    for (const region of p.result as Array<{ score?: number | null }>) {
      if (region.score != null && !(region.score >= 0 && region.score <= 1)) fail(`results[${i}] has a region score ${region.score} outside [0, 1]`);
    }
  });
  return results;
}

/** An app started by {@link startAppInProcess} or {@link startAppWithCli}. */
export interface RunningApp {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** What the process logged (`lsml start` only). */
  output(): string;
  /** Stop the app (and remove the temporary MODEL_DIR of `lsml start`). */
  close(): Promise<void>;
}

/** The app in this process, with strict validation: an invalid prediction is a 500, not a warning. */
export async function startAppInProcess(Model: BackendClass): Promise<RunningApp> {
  const server = createServer(Model, { store: new MemoryStore(), env: {}, logLevel: 'silent', strictValidation: true });
  const { url } = await server.listen(0, '127.0.0.1');
  await server.ready;
  return { url, output: () => '', close: () => server.close() };
}

/**
 * The app as `npm start -w apps/<name>` runs it (its `start` script, `lsml start src/model.ts`, in the
 * app's folder), on a free port with a temporary MODEL_DIR, with `--strict-validation`. `files` are
 * copied into MODEL_DIR first (`{ 'models/tiny': '/abs/path' }`). Resolves once `/ready` answers 200.
 */
export async function startAppWithCli(appDir: string, env: Record<string, string>, files: Record<string, string> = {}): Promise<RunningApp> {
  const pkg = JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [bin, ...args] = pkg.scripts.start.split(/\s+/);
  if (bin !== 'lsml') throw new KitError('startAppWithCli', [`${appDir}/package.json's start script runs ${String(bin)}, expected lsml`]);
  const coreManifest = createRequire(path.join(appDir, 'package.json')).resolve('@lsml/core/package.json');
  const cli = path.join(path.dirname(coreManifest), (JSON.parse(fs.readFileSync(coreManifest, 'utf8')) as { bin: { lsml: string } }).bin.lsml);
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-app-'));
  for (const [to, from] of Object.entries(files)) fs.cpSync(from, path.join(modelDir, to), { recursive: true });
  const child = spawn(process.execPath, [cli, ...args, '--port', '0', '--host', '127.0.0.1', '--strict-validation'], {
    cwd: appDir,
    env: { ...process.env, MODEL_DIR: modelDir, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(modelDir, { recursive: true, force: true });
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lsml start did not listen in 20 s:\n${out}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`lsml start exited with ${code}:\n${out}`)));
    child.stdout.on('data', () => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
  }).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  // /ready answers 200 once the model's preload (loading the pipeline) is done.
  for (let i = 0; (await fetch(`${url}/ready`)).status !== 200; i++) {
    if (i > 200) throw new Error(`/ready never answered 200:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, output: () => out, close };
}
