// apps/substring-matcher in Label Studio's editor, interactively: the annotator labels a word with the
// mouse, the editor's region goes to /predict as `context` (as Label Studio's front end and server send
// it), and every other occurrence comes back as suggestions the editor paints.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SubstringMatcher from '../../apps/substring-matcher/src/model.js';
import { startBackend, type Backend } from './harness/backend.js';
import { EditorPage, launchBrowser, pngSize, type EditorState } from './harness/editor.js';
import { startEditorServer, type EditorServer } from './harness/editor-server.js';
import { expectCleanPage, expectSpans, spansOf } from './harness/expectations.js';
import { editorSuite } from './harness/suite.js';
import { lsTask } from '@lsml/core/testing';
import { LabelStudioProject, type BackendPrediction } from './harness/label-studio.js';

const CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="red"/>
    <Label value="ORG" background="darkorange"/>
    <Label value="LOC" background="orange"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;
// Accents and a BMP symbol (one UTF-16 unit, one code point each); four more "Apple"s in three cases.
const TEXT = 'Apple unveiled the Apple Watch in Cupertino; apple fans cheered (café ☕) and APPLE stock rose. Apple!';

editorSuite('substring-matcher in the Label Studio editor', [], () => {
  let backend: Backend;
  let server: EditorServer;
  let browser: Browser;
  let project: LabelStudioProject;

  beforeAll(async () => {
    [backend, server, browser] = await Promise.all([startBackend(SubstringMatcher), startEditorServer(), launchBrowser()]);
    project = new LabelStudioProject(backend.url, 3, CONFIG);
    expect(await project.setup()).toEqual({ status: 200, body: { model_version: 'SubstringMatcher-v1' } });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), backend?.close()]);
  });

  it('batch pre-annotation gives the editor nothing to show', async () => {
    const { stored } = await project.predict([lsTask(1, { text: TEXT }, project.id)]);
    expect(stored).toEqual([]);
  });

  it('labels every other occurrence of the selected word, shown exactly, and the submitted annotation reaches /webhook', async () => {
    const task = lsTask(1, { text: TEXT }, project.id);
    const calls: Array<{ context: unknown; answer: { data?: BackendPrediction; errors?: string[] } }> = [];
    const editor = await EditorPage.open(browser, server, {
      config: CONFIG,
      task,
      showLabels: true,
      viewport: { width: 1200, height: 480 },
      interactive: async ({ task: taskId, context }) => {
        expect(taskId).toBe(task.id);
        const answer = await project.interactive(task, context);
        calls.push({ context, answer });
        return answer;
      },
    });
    try {
      // The annotator picks ORG and drags over the second "Apple".
      const start = TEXT.indexOf('Apple', 1);
      await editor.clickLabel('ORG');
      await editor.selectText(start, start + 5);
      await editor.waitForInteractive(1);

      // Label Studio sent exactly the annotator's region as context.
      expect(calls).toHaveLength(1);
      const context = calls[0]!.context as { annotation_id: unknown; user_id: number; result: Array<Record<string, unknown>> };
      expect(context.annotation_id).toBeNull();
      expect(context.user_id).toBe(1);
      expect(context.result).toHaveLength(1);
      expect(context.result[0]).toMatchObject({
        from_name: 'label',
        to_name: 'text',
        type: 'labels',
        origin: 'manual',
        value: { start, end: start + 5, text: 'Apple', labels: ['ORG'] },
      });

      // The backend's answer: the four other occurrences, with the annotator's label.
      const answer = calls[0]!.answer;
      expect(answer.errors).toBeUndefined();
      const suggested = spansOf(answer.data!.result);
      expect(suggested.map((s) => s.text)).toEqual(['Apple', 'apple', 'APPLE', 'Apple']);
      expect(suggested.map((s) => s.start)).not.toContain(start);
      expect(answer.data!.model_version).toBe('SubstringMatcher-v1');

      // The editor shows exactly the annotator's span plus every suggestion: store and DOM.
      const state = await editor.readBack();
      expect(state.interactive.errors).toEqual([]);
      expectSpans(state, [{ start, end: start + 5, text: 'Apple', labels: ['ORG'] }, ...suggested], TEXT);

      const shot = await editor.screenshot('apps/substring-matcher/editor.png');
      expect(pngSize(shot.png).width).toBeGreaterThan(400);

      // Submit: the annotation Label Studio stores goes to /webhook as ANNOTATION_CREATED.
      const submitted = await editor.submit();
      expect(spansOf(submitted.result)).toEqual(spansOf(state.annotation.result));
      const { response } = await project.annotationCreated(task, submitted);
      expect(response).toEqual({ status: 201, body: { result: null, status: 'ok' } });

      expectCleanPage(editor, server);
    } finally {
      await editor.close();
    }
  });

  describe('past an emoji (a character outside the BMP: two UTF-16 units, one code point)', () => {
    const text = '🍎 Apple and apple';
    let state: EditorState;
    let answer: { data?: BackendPrediction; errors?: string[] } = {};

    it('the editor sends the selection in code points, as Python counts', async () => {
      const task = lsTask(2, { text }, project.id);
      let context: unknown;
      const editor = await EditorPage.open(browser, server, {
        config: CONFIG,
        task,
        interactive: async (req) => {
          context = req.context;
          answer = await project.interactive(task, req.context);
          return answer;
        },
      });
      try {
        await editor.clickLabel('ORG');
        await editor.selectText(3, 8); // UTF-16 3-8 = code points 2-7: "Apple"
        await editor.waitForInteractive(1);
        state = await editor.readBack();
        expect((context as { result: Array<{ value: unknown }> }).result.map((r) => r.value)).toEqual([{ start: 2, end: 7, text: 'Apple', labels: ['ORG'] }]);
        expect(answer.data?.result.length).toBeGreaterThan(0);
        expectCleanPage(editor, server);
      } finally {
        await editor.close();
      }
    });

    // Label Studio's editor counts code points (selection-tools charsToCodePoints/codePointsToChars),
    // like Python; this test found that the app used to count UTF-16 units and paint "pple " past an emoji.
    it('the editor paints the suggestions on exactly the matching words', () => {
      expect(state).toBeDefined();
      expectSpans(state, [{ start: 2, end: 7, text: 'Apple', labels: ['ORG'] }, { start: 12, end: 17, text: 'apple', labels: ['ORG'] }], text);
    });
  });
});
