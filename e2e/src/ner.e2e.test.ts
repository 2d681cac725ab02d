// apps/ner in Label Studio's editor: batch pre-annotation with the tiny test model, each entity shown
// as a highlight over exactly its characters with its label; the annotator removes one and submits.
// The tiny model's labels are random but deterministic: the point is that the editor shows exactly
// what the backend returned.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setEnv, startBackend, type Backend } from './harness/backend.js';
import { EditorPage, launchBrowser, pngSize, REPO_ROOT, type EditorState } from './harness/editor.js';
import { startEditorServer, type EditorServer } from './harness/editor-server.js';
import { expectAnnotationFromPrediction, expectCleanPage, expectSpans, spansOf, type Span } from './harness/expectations.js';
import { appModel, editorSuite } from './harness/suite.js';
import { lsTask } from '@lsml/core/testing';
import { LabelStudioProject, type StoredPrediction } from './harness/label-studio.js';

const app = appModel('ner');
const TINY_NER = path.join(REPO_ROOT, 'packages', 'transformers', 'test', 'models', 'tiny-bert-ner');

// The config of the app's README: labels named as the project likes, mapped with predicted_values.
const CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="Person" background="red" predicted_values="PER"/>
    <Label value="Organization" background="darkorange" predicted_values="ORG"/>
    <Label value="Location" background="orange" predicted_values="LOC"/>
    <Label value="MISC" background="green"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;
const LABELS = ['Person', 'Organization', 'Location', 'MISC'];
const TEXT = 'Marie Curie worked in Paris for the University of Paris. John Smith lives in New York and works for Google.';

editorSuite('ner in the Label Studio editor', [app.missing], () => {
  let backend: Backend;
  let server: EditorServer;
  let browser: Browser;
  let project: LabelStudioProject;
  let prediction: StoredPrediction;
  const task = lsTask(1, { text: TEXT }, 5);

  beforeAll(async () => {
    setEnv({ MODEL_NAME: TINY_NER });
    const Ner = await app.load();
    [backend, server, browser] = await Promise.all([startBackend(Ner, { MODEL_NAME: TINY_NER }), startEditorServer(), launchBrowser()]);
    project = new LabelStudioProject(backend.url, 5, CONFIG);
    expect((await project.setup()).status).toBe(200);
    const { stored } = await project.predict([task]);
    expect(stored).toHaveLength(1);
    prediction = stored[0]!;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), backend?.close()]);
  });

  it('the editor shows exactly the entities the backend returned', async () => {
    const spans = spansOf(prediction.result);
    expect(spans.length).toBeGreaterThan(0);
    expect(prediction.result.every((r) => r.from_name === 'label' && r.to_name === 'text' && r.type === 'labels')).toBe(true);
    // The model's PER/ORG/LOC come back as the project's own label names.
    for (const s of spans) expect(LABELS).toEqual(expect.arrayContaining(s.labels));
    const editor = await EditorPage.open(browser, server, { config: CONFIG, task, predictions: [prediction], showLabels: true, viewport: { width: 1200, height: 420 } });
    try {
      const state = await editor.readBack();
      expectAnnotationFromPrediction(state, prediction);
      expectSpans(state, spans, TEXT);
      // The prediction tab shows the same regions, read-only.
      expect(spansOf(state.predictions[0]!.result)).toEqual(spans);
      const shot = await editor.screenshot('apps/ner/editor.png');
      expect(pngSize(shot.png).width).toBe(1200);
      expectCleanPage(editor, server);
    } finally {
      await editor.close();
    }
  });

  it('the annotator deletes an entity and submits: the corrected annotation reaches /webhook', async () => {
    const spans = spansOf(prediction.result);
    const editor = await EditorPage.open(browser, server, { config: CONFIG, task, predictions: [prediction] });
    try {
      // Click the first highlight (selects its region), then the editor's "delete region" hotkey.
      await editor.page.locator('.lsf-richtext__container span.htx-highlight').first().click();
      await editor.settle();
      await editor.page.keyboard.press('Backspace');
      await editor.settle();
      const state = await editor.readBack();
      expectSpans(state, spans.slice(1), TEXT);
      const submitted = await editor.submit();
      expect(spansOf(submitted.result)).toEqual(spans.slice(1));
      expect(submitted.parent_prediction).toBe(prediction.id);
      const { response } = await project.annotationCreated(task, submitted);
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('ok');
      expectCleanPage(editor, server);
    } finally {
      await editor.close();
    }
  });

  describe('past an emoji (a character outside the BMP: two UTF-16 units, one code point)', () => {
    const text = 'Zoë 😀 met Marie Curie in Paris.';
    let state: EditorState;
    let spans: Span[] = [];

    it('the editor loads the entities that follow the emoji', async () => {
      const emojiTask = lsTask(2, { text }, 5);
      const { stored } = await project.predict([emojiTask]);
      spans = spansOf(stored[0]!.result);
      // Past the emoji (code point 5) the two counts differ.
      expect(spans.filter((s) => s.start >= 5).length).toBeGreaterThan(0);
      const editor = await EditorPage.open(browser, server, { config: CONFIG, task: emojiTask, predictions: stored });
      try {
        state = await editor.readBack();
        expect(state.regions).toHaveLength(spans.length);
        expectCleanPage(editor, server);
      } finally {
        await editor.close();
      }
    });

    // Label Studio's editor counts Text offsets in code points (selection-tools charsToCodePoints /
    // codePointsToChars), like Python; this test found that the app used to send UTF-16 offsets.
    it('the editor paints each entity on exactly its characters', () => {
      expect(state).toBeDefined();
      expectSpans(state, spans, text);
    });
  });
});
