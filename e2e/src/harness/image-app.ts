// The set-up every image app's editor suite shares: the app's backend, the editor server (which also
// serves the test images), Chromium, a project Label Studio has /setup, and the backend's prediction
// for one of the served images, stored as Label Studio stores it.
import type { Browser } from 'playwright-core';
import { lsTask, type LsTask } from '@lsml/core/testing';
import { afterAll, beforeAll, expect } from 'vitest';
import { startBackend, type Backend } from './backend.js';
import { launchBrowser } from './editor.js';
import { startEditorServer, type EditorServer } from './editor-server.js';
import { LabelStudioProject, type StoredPrediction } from './label-studio.js';
import type { AppModel } from './suite.js';

/** What {@link predictedImage} sets up; filled in its `beforeAll`. */
export interface PredictedImage {
  backend: Backend;
  server: EditorServer;
  browser: Browser;
  project: LabelStudioProject;
  /** The task (its image served by `server`). */
  task: LsTask;
  /** The backend's prediction for it, as Label Studio stored it. */
  prediction: StoredPrediction;
}

/**
 * Inside an `editorSuite`: start everything in `beforeAll`, stop it in `afterAll`, and return the
 * object that holds it (read its fields in the tests).
 */
export function predictedImage(app: AppModel, projectId: number, config: string, image: string): PredictedImage {
  const ctx = {} as PredictedImage;
  beforeAll(async () => {
    [ctx.backend, ctx.server, ctx.browser] = await Promise.all([app.load().then((Model) => startBackend(Model)), startEditorServer(), launchBrowser()]);
    ctx.project = new LabelStudioProject(ctx.backend.url, projectId, config);
    expect((await ctx.project.setup()).status).toBe(200);
    ctx.task = lsTask(1, { image: `${ctx.server.url}images/${image}` }, projectId);
    const { stored } = await ctx.project.predict([ctx.task]);
    ctx.prediction = stored[0]!;
  }, 120_000);
  afterAll(async () => {
    await ctx.browser?.close();
    await Promise.all([ctx.server?.close(), ctx.backend?.close()]);
  });
  return ctx;
}
