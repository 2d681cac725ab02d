// apps/gpt2-generator in Label Studio's editor: batch pre-annotation with the tiny test model, the
// generated text shown in the TextArea exactly as returned; the annotator adds a line and submits.
// (The editor build has no interactive prompt for a TextArea: it fires no regionFinishedDrawing for
// TextArea regions, so Label Studio would not call /predict with a context from it.)
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setEnv, startBackend, type Backend } from './harness/backend.js';
import { EditorPage, launchBrowser, pngSize, REPO_ROOT } from './harness/editor.js';
import { startEditorServer, type EditorServer } from './harness/editor-server.js';
import { expectAnnotationFromPrediction, expectCleanPage, expectTextArea } from './harness/expectations.js';
import { appModel, editorSuite } from './harness/suite.js';
import { lsTask } from '@lsml/core/testing';
import { LabelStudioProject, type StoredPrediction } from './harness/label-studio.js';

const app = appModel('gpt2-generator');
const TINY_GPT2 = path.join(REPO_ROOT, 'packages', 'transformers', 'test', 'models', 'tiny-gpt2');

// The batch config of the app's README.
const CONFIG = `<View>
  <Text name="input_text" value="$text"/>
  <TextArea name="generated_text" toName="input_text"/>
</View>`;
const TEXT = 'Once upon a time, in a quiet village by the sea,';

/** The text of the first (only) TextArea result. */
const generatedText = (p: StoredPrediction) => {
  const item = p.result.find((r) => r.type === 'textarea');
  return ((item?.value as { text?: string[] } | undefined)?.text ?? []).join('\n');
};

editorSuite('gpt2-generator in the Label Studio editor', [app.missing], () => {
  let backend: Backend;
  let server: EditorServer;
  let browser: Browser;
  let project: LabelStudioProject;
  let prediction: StoredPrediction;
  const task = lsTask(1, { text: TEXT }, 9);

  beforeAll(async () => {
    setEnv({ MODEL_NAME: TINY_GPT2 });
    const Gpt2 = await app.load();
    [backend, server, browser] = await Promise.all([startBackend(Gpt2, { MODEL_NAME: TINY_GPT2 }), startEditorServer(), launchBrowser()]);
    project = new LabelStudioProject(backend.url, 9, CONFIG);
    expect((await project.setup()).status).toBe(200);
    const { stored } = await project.predict([task]);
    expect(stored).toHaveLength(1);
    prediction = stored[0]!;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), backend?.close()]);
  });

  it('the editor shows exactly the generated text', async () => {
    expect(prediction.result).toHaveLength(1);
    expect(prediction.result[0]).toMatchObject({ from_name: 'generated_text', to_name: 'input_text', type: 'textarea' });
    const texts = (prediction.result[0]!.value as { text: string[] }).text;
    expect(texts.length).toBeGreaterThan(0);
    expect(generatedText(prediction).length).toBeGreaterThan(0);
    const editor = await EditorPage.open(browser, server, { config: CONFIG, task, predictions: [prediction], viewport: { width: 1100, height: 320 } });
    try {
      const state = await editor.readBack();
      expectAnnotationFromPrediction(state, prediction);
      expectTextArea(state, 'generated_text', texts);
      const shot = await editor.screenshot('apps/gpt2-generator/editor.png');
      expect(pngSize(shot.png).width).toBe(1100);
      expectCleanPage(editor, server);
    } finally {
      await editor.close();
    }
  });

  it('the annotator adds a line and submits: the annotation reaches /webhook', async () => {
    const texts = (prediction.result[0]!.value as { text: string[] }).text;
    const editor = await EditorPage.open(browser, server, { config: CONFIG, task, predictions: [prediction] });
    try {
      // rows defaults to 1: a one-line input that adds its text on Enter.
      const input = editor.page.locator('.lsf-main-view__annotation [name="generated_text"]');
      await input.fill('The end.');
      await input.press('Enter');
      await editor.settle();
      const state = await editor.readBack();
      expectTextArea(state, 'generated_text', [...texts, 'The end.']);
      const submitted = await editor.submit();
      expect(submitted.result.flatMap((r) => (r.value as { text: string[] }).text)).toEqual([...texts, 'The end.']);
      expect(submitted.parent_prediction).toBe(prediction.id);
      const { response } = await project.annotationCreated(task, submitted);
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('ok');
      expectCleanPage(editor, server);
    } finally {
      await editor.close();
    }
  });
});
