// apps/text-classifier in Label Studio's editor. Label Studio's side of the loop first: annotations
// arrive as ANNOTATION_CREATED webhooks, "Start Training" trains a version; its prediction for a new
// task is then shown in the editor as the annotator's ticked choice. The annotator's own submission goes
// back to /webhook and is part of the next training run.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type Backend } from './harness/backend.js';
import { EditorPage, launchBrowser, pngSize } from './harness/editor.js';
import { startEditorServer, type EditorServer } from './harness/editor-server.js';
import { choicesOf, expectAnnotationFromPrediction, expectChoices, expectCleanPage } from './harness/expectations.js';
import { appModel, editorSuite } from './harness/suite.js';
import { lsTask } from '@lsml/core/testing';
import { LabelStudioProject, type StoredPrediction } from './harness/label-studio.js';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="label" toName="text" choice="single" showInLine="true">
    <Choice value="ham"/>
    <Choice value="spam"/>
  </Choices>
</View>`;

const SPAM = [
  'WIN a FREE cruise now, click here to claim your prize',
  'Cheap pills, no prescription, order now and save 90%',
  'You have won $1,000,000, send your bank details to claim the prize',
  'Limited offer: free casino credits, click now',
  'Earn money fast from home, click here, free bonus',
  'Claim your free gift card now, winner selected',
  'Lowest mortgage rates, act now, free quote, click',
  'Congratulations winner! Free prize waiting, claim now',
];
const HAM = [
  'Can we move the project meeting to Thursday afternoon?',
  'Here are the minutes from the team meeting yesterday',
  'Thanks for the review, I pushed the fixes to the branch',
  'Lunch tomorrow with the team? The usual place at noon',
  'Attached is the draft report for next week, comments welcome',
  'The build is green again, the flaky test is fixed',
  'Reminder: project review meeting on Monday at ten',
  'Could you send me the slides from the team workshop?',
];

const app = appModel('text-classifier');

editorSuite('text-classifier in the Label Studio editor', [app.missing], () => {
  let backend: Backend;
  let server: EditorServer;
  let browser: Browser;
  let project: LabelStudioProject;
  let trained: Record<string, unknown>;

  beforeAll(async () => {
    const TextClassifier = await app.load();
    [backend, server, browser] = await Promise.all([startBackend(TextClassifier), startEditorServer(), launchBrowser()]);
    project = new LabelStudioProject(backend.url, 11, CONFIG);
    const setup = await project.setup();
    expect(setup.status).toBe(200);
    // Before any training there is no model: Label Studio stores no prediction.
    expect((await project.predict([lsTask(100, { text: SPAM[0] }, project.id)])).stored).toEqual([]);
    // Annotators label 16 tasks (one webhook each), then press "Start Training".
    const examples = [...SPAM.map((text) => ({ text, label: 'spam' })), ...HAM.map((text) => ({ text, label: 'ham' }))];
    for (const [i, { text, label }] of examples.entries()) {
      const { response } = await project.annotationCreated(lsTask(i + 1, { text }, project.id), {
        lead_time: 3,
        result: [{ id: `r${i}`, from_name: 'label', to_name: 'text', type: 'choices', origin: 'manual', value: { choices: [label] } }],
        draft_id: 0,
        parent_prediction: null,
        parent_annotation: null,
      });
      expect(response.status).toBe(201);
    }
    const start = await project.startTraining();
    expect(start.status).toBe(201);
    trained = await project.waitForJob(String(start.body.job), 40_000);
    expect(trained.job_status, JSON.stringify(trained)).toBe('finished');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), backend?.close()]);
  });

  const NEW = [
    { id: 201, text: 'Click now to claim your free prize, winner!', expected: 'spam' },
    { id: 202, text: 'Can we review the report at the team meeting on Thursday?', expected: 'ham' },
  ];
  let predictions: StoredPrediction[];

  it('the trained version predicts the class of new tasks', async () => {
    const { stored } = await project.predict(NEW.map((t) => lsTask(t.id, { text: t.text }, project.id)));
    predictions = stored;
    expect(stored.map((p) => choicesOf(p.result, 'label'))).toEqual(NEW.map((t) => [t.expected]));
    for (const p of stored) {
      expect(p.model_version).toBe(trained.model_version);
      expect(p.score).toBeGreaterThan(0.5);
    }
  });

  it('the editor ticks exactly the predicted class, and the annotator’s submission counts towards training', async () => {
    expect(predictions).toHaveLength(2);
    const [prediction] = predictions;
    const task = lsTask(NEW[0]!.id, { text: NEW[0]!.text }, project.id);
    const editor = await EditorPage.open(browser, server, { config: CONFIG, task, predictions: [prediction!], viewport: { width: 1100, height: 230 } });
    try {
      const state = await editor.readBack();
      expectAnnotationFromPrediction(state, prediction!);
      expectChoices(state, 'label', ['spam']);
      expect(state.dom.text).toBe(NEW[0]!.text);
      const shot = await editor.screenshot('apps/text-classifier/editor.png');
      expect(pngSize(shot.png).width).toBe(1100);

      // The annotator accepts the prediction: Submit, and Label Studio sends ANNOTATION_CREATED.
      const submitted = await editor.submit();
      expect(submitted.parent_prediction).toBe(prediction!.id);
      expect(choicesOf(submitted.result, 'label')).toEqual(['spam']);
      const { response } = await project.annotationCreated(task, submitted);
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ status: 'ok', result: { annotations_since_training: 1 } });
      expectCleanPage(editor, server);
    } finally {
      await editor.close();
    }
    // The next training run learns from 17 annotations: the 16 before and the one from the editor.
    const start = await project.startTraining();
    const next = await project.waitForJob(String(start.body.job), 40_000);
    expect(next.job_status, JSON.stringify(next)).toBe('finished');
    expect((next.result as { examples: number }).examples).toBe(17);
    expect((trained.result as { examples: number }).examples).toBe(16);
  });
});
