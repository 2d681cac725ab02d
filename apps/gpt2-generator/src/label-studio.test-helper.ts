// What Label Studio sends to an ML backend (PROTOCOL.md §4.3–§5.7), how it checks the answers (§5.4),
// and two ways to run the app for a test: in this process, or as `npm start` runs it (`lsml start`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createServer, LabelInterface, MemoryStore, validatePrediction, type BackendClass, type PredictionValue } from '@lsml/core';
import { lsAnnotation, lsProject, lsTask as kitTask, projectUid } from '@lsml/testing';
import { expect } from 'vitest';

export { lsProject, projectUid };

/** A task as /predict receives it (TaskSimpleSerializer; interactive calls add `drafts`). */
export function lsTask(id: number, data: Record<string, unknown>, project: number, interactive = false) {
  return kitTask(id, data, project, { interactive }) as ReturnType<typeof kitTask> & { id: number };
}

/** ANNOTATION_CREATED as Label Studio's webhook system sends it. */
export function annotationCreated(project: number, labelConfig: string, task: ReturnType<typeof lsTask>, result: unknown[]) {
  return {
    action: 'ANNOTATION_CREATED',
    annotation: { ...lsAnnotation(101, task.id, project, result), parent_prediction: 1 },
    task: { ...task, is_labeled: true, total_annotations: 1 },
    project: lsProject(project, labelConfig),
  };
}

export interface Response<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function post<T = Record<string, unknown>>(url: string, route: string, body: unknown): Promise<Response<T>> {
  const res = await fetch(url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

export interface Prediction extends PredictionValue {
  model_version: string;
}

/**
 * What Label Studio requires of a /predict answer (§5.4): one prediction per task, each valid for the
 * label config (`validatePrediction`), scores null or in [0, 1], and the version /setup reported.
 */
export function expectValidPredictions(config: string, res: Response, tasks: number, version: string): Prediction[] {
  expect(res.status).toBe(200);
  const results = res.body.results as Prediction[];
  expect(Array.isArray(results)).toBe(true);
  expect(results).toHaveLength(tasks);
  const li = new LabelInterface(config);
  for (const p of results) {
    expect(Array.isArray(p)).toBe(false);
    expect(p.model_version).toBe(version);
    expect(p.score === null || (typeof p.score === 'number' && p.score >= 0 && p.score <= 1)).toBe(true);
    expect(validatePrediction(li, p)).toEqual({ ok: true, errors: [] });
    for (const region of p.result as Array<{ score?: number | null }>) {
      if (region.score != null) expect(region.score >= 0 && region.score <= 1).toBe(true);
    }
  }
  return results;
}

export interface RunningApp {
  url: string;
  /** What the process logged (`lsml start` only). */
  output(): string;
  close(): Promise<void>;
}

/** The app in this process, with strict validation: an invalid prediction is a 500, not a warning. */
export async function startInProcess(Model: BackendClass): Promise<RunningApp> {
  const server = createServer(Model, { store: new MemoryStore(), env: {}, logLevel: 'silent', strictValidation: true });
  const { url } = await server.listen(0, '127.0.0.1');
  await server.ready;
  return { url, output: () => '', close: () => server.close() };
}

/**
 * The app as `npm start -w apps/<name>` runs it (its `start` script, `lsml start src/model.ts`, in the
 * app's folder), on a free port with a temporary MODEL_DIR. `files` are copied into MODEL_DIR first.
 */
export async function startWithCli(appDir: string, env: Record<string, string>, files: Record<string, string> = {}): Promise<RunningApp> {
  const pkg = JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [bin, ...args] = pkg.scripts.start.split(/\s+/);
  expect(bin).toBe('lsml');
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
