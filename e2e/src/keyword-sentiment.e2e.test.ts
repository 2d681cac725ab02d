// The core example (packages/core/examples/keyword-sentiment.ts, what `npm start` serves) in Label
// Studio's editor: batch pre-annotation of three tasks, each prediction shown as the annotator's ticked
// choice; the annotator corrects one and submits it to /webhook.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import KeywordSentiment from '../../packages/core/examples/keyword-sentiment.js';
import { startBackend, type Backend } from './harness/backend.js';
import { EditorPage, launchBrowser, pngSize } from './harness/editor.js';
import { startEditorServer, type EditorServer } from './harness/editor-server.js';
import { choicesOf, expectAnnotationFromPrediction, expectChoices, expectCleanPage } from './harness/expectations.js';
import { editorSuite } from './harness/suite.js';
import { lsTask } from '@lsml/core/testing';
import { LabelStudioProject, type StoredPrediction } from './harness/label-studio.js';

const CONFIG = `<View>
  <Text name="review" value="$review"/>
  <Choices name="sentiment" toName="review" choice="single" showInLine="true">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>`;

const REVIEWS = [
  { review: 'I love this phone: the screen is excellent and the battery lasts two days.', expected: 'Positive' },
  { review: 'Terrible support. The charger broke after a week and I hate the app.', expected: 'Negative' },
  { review: 'The parcel arrived on Tuesday in a brown box.', expected: 'Neutral' },
];

editorSuite('keyword-sentiment example in the Label Studio editor', [], () => {
  let backend: Backend;
  let server: EditorServer;
  let browser: Browser;
  let project: LabelStudioProject;
  const tasks = REVIEWS.map((r, i) => lsTask(i + 1, { review: r.review }, 7));
  let predictions: StoredPrediction[] = [];

  beforeAll(async () => {
    [backend, server, browser] = await Promise.all([startBackend(KeywordSentiment), startEditorServer(), launchBrowser()]);
    project = new LabelStudioProject(backend.url, 7, CONFIG);
    expect(await project.setup()).toEqual({ status: 200, body: { model_version: 'keyword-sentiment-1' } });
    ({ stored: predictions } = await project.predict(tasks));
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), backend?.close()]);
  });

  it('predicts one class per task', () => {
    expect(predictions.map((p) => choicesOf(p.result, 'sentiment'))).toEqual(REVIEWS.map((r) => [r.expected]));
    expect(predictions.map((p) => p.model_version)).toEqual(['keyword-sentiment-1', 'keyword-sentiment-1', 'keyword-sentiment-1']);
  });

  it.each(REVIEWS.map((r, i) => [r.expected, i] as const))('the editor ticks exactly the predicted class (%s)', async (expected, i) => {
    const prediction = predictions[i]!;
    const editor = await EditorPage.open(browser, server, { config: CONFIG, task: tasks[i]!, predictions: [prediction], viewport: { width: 1100, height: 230 } });
    try {
      const state = await editor.readBack();
      expectAnnotationFromPrediction(state, prediction);
      expectChoices(state, 'sentiment', [expected]);
      expect(state.dom.text).toBe(REVIEWS[i]!.review);
      if (i === 0) {
        const shot = await editor.screenshot('e2e/screenshots/keyword-sentiment.png');
        expect(pngSize(shot.png).width).toBe(1100);
      }
      expectCleanPage(editor, server);
    } finally {
      await editor.close();
    }
  });

  it('an annotator correction is submitted to /webhook as Label Studio sends it', async () => {
    const i = 2; // predicted Neutral; the annotator says Negative
    const editor = await EditorPage.open(browser, server, { config: CONFIG, task: tasks[i]!, predictions: [predictions[i]!] });
    try {
      await editor.clickChoice('Negative');
      const state = await editor.readBack();
      expectChoices(state, 'sentiment', ['Negative']);
      const submitted = await editor.submit();
      expect(choicesOf(submitted.result, 'sentiment')).toEqual(['Negative']);
      expect(submitted.result).toHaveLength(1);
      expect(submitted.result[0]).toMatchObject({ from_name: 'sentiment', to_name: 'review', type: 'choices' });
      expect(submitted.parent_prediction).toBe(predictions[i]!.id);
      expect(submitted.lead_time).toBeGreaterThan(0);
      expect(submitted.draft_id).toBe(0);
      const { annotation, response } = await project.annotationCreated(tasks[i]!, submitted);
      expect(annotation.result).toEqual(submitted.result);
      // The example does not train: the webhook is accepted and there is nothing to schedule.
      expect(response).toEqual({ status: 201, body: { result: null, status: 'ok' } });
      expectCleanPage(editor, server);
    } finally {
      await editor.close();
    }
  });
});
