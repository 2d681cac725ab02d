// apps/llm-labeler in Label Studio's editor: the LLM's answer (from a LOCAL STAND-IN for an
// OpenAI-compatible server — node:http speaking the chat-completions wire format; no LLM runs on the
// test machines) shown as a ticked Choice and a filled TextArea. Batch pre-annotation first, where the
// model also names a choice the config does not have (dropped, the rest shown); then the interactive
// request with the annotator's prompt, whose prediction keeps the prompt in the prompt TextArea.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lsTask } from '@lsml/core/testing';
import { startStandIn, type StandIn } from '../../packages/llm/src/stand-in-server.test-helper.js';
import { setEnv, startBackend, type Backend } from './harness/backend.js';
import { EditorPage, launchBrowser, pngSize } from './harness/editor.js';
import { startEditorServer, type EditorServer } from './harness/editor-server.js';
import { choicesOf, expectAnnotationFromPrediction, expectChoices, expectCleanPage } from './harness/expectations.js';
import { LabelStudioProject, type ResultItem, type StoredPrediction } from './harness/label-studio.js';
import { appModel, editorSuite } from './harness/suite.js';

const app = appModel('llm-labeler');
const KEY = 'sk-e2e-stand-in';

// The label config of the app's README.
const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <TextArea name="prompt" toName="text" editable="true" rows="2"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
  <TextArea name="summary" toName="text" rows="2"/>
</View>`;
const GOOD = 'The room was spotless and the staff went out of their way to help us.';
const BAD = 'Cold food, a rude waiter and a forty-minute wait for the bill.';
const PROMPT = 'Is the guest happy? Answer the sentiment and summarise in five words.';

const textAreaOf = (result: ResultItem[], name: string) => result.filter((r) => r.type === 'textarea' && r.from_name === name).flatMap((r) => (r.value as { text: string[] }).text);

editorSuite('llm-labeler in the Label Studio editor', [app.missing], () => {
  let standIn: StandIn;
  let backend: Backend;
  let server: EditorServer;
  let browser: Browser;
  let project: LabelStudioProject;

  beforeAll(async () => {
    standIn = await startStandIn({
      apiKey: KEY,
      fallback: (req) => {
        const prompt = req.body.messages?.find((m) => m.role === 'user')?.content ?? '';
        if (prompt.startsWith('Is the guest happy?')) return { content: JSON.stringify({ sentiment: 'Positive', summary: 'Spotless room, very helpful staff.' }) };
        if (prompt.includes('spotless')) return { content: JSON.stringify({ sentiment: 'Positive', summary: 'Clean room and helpful staff.' }) };
        return { content: JSON.stringify({ sentiment: 'Furious', summary: 'Bad food and slow, rude service.' }) }; // "Furious" is no choice
      },
    });
    const env = { OPENAI_BASE_URL: standIn.baseURL, OPENAI_API_KEY: KEY, LLM_MODEL: 'stand-in-e2e' };
    setEnv(env);
    const Llm = await app.load();
    [backend, server, browser] = await Promise.all([startBackend(Llm, env), startEditorServer(), launchBrowser()]);
    project = new LabelStudioProject(backend.url, 14, CONFIG);
    expect((await project.setup()).status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), backend?.close(), standIn?.close()]);
  });

  it('batch pre-annotation: the LLM-filled Choices and TextArea appear in the editor; an unknown choice is dropped', async () => {
    const tasks = [lsTask(1, { text: GOOD }, 14), lsTask(2, { text: BAD }, 14)];
    const { stored } = await project.predict(tasks);
    expect(stored).toHaveLength(2);
    const [good, bad] = stored as [StoredPrediction, StoredPrediction];
    expect(choicesOf(good.result, 'sentiment')).toEqual(['Positive']);
    expect(textAreaOf(good.result, 'summary')).toEqual(['Clean room and helpful staff.']);
    expect(choicesOf(bad.result, 'sentiment')).toEqual([]); // "Furious" never reaches the editor
    expect(textAreaOf(bad.result, 'summary')).toEqual(['Bad food and slow, rude service.']);
    for (const [task, prediction, choice] of [
      [tasks[0], good, ['Positive']],
      [tasks[1], bad, []],
    ] as const) {
      const editor = await EditorPage.open(browser, server, { config: CONFIG, task: task!, predictions: [prediction] });
      try {
        const state = await editor.readBack();
        expectAnnotationFromPrediction(state, prediction);
        expectChoices(state, 'sentiment', [...choice]);
        expect(textAreaOf(state.annotation.result, 'summary')).toEqual(textAreaOf(prediction.result, 'summary'));
        expect(state.dom.textAreaItems).toEqual(textAreaOf(prediction.result, 'summary'));
        expectCleanPage(editor, server);
      } finally {
        await editor.close();
      }
    }
  });

  it('interactive: the annotator\'s prompt drives the answer; prompt, choice and summary are shown', async () => {
    const task = lsTask(3, { text: GOOD }, 14);
    const context = { result: [{ id: 'prompt-1', from_name: 'prompt', to_name: 'text', type: 'textarea', origin: 'manual', value: { text: [PROMPT] } }] };
    const res = await project.predictRaw([task], context);
    expect(res.status).toBe(200);
    const result = res.body.results?.[0]?.result ?? [];
    const prediction: StoredPrediction = {
      id: 99,
      model_version: String(res.body.results?.[0]?.model_version ?? ''),
      score: null,
      result,
      task: task.id,
      project: 14,
      created_ago: '0 minutes',
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    };
    const editor = await EditorPage.open(browser, server, { config: CONFIG, task, predictions: [prediction], viewport: { width: 1100, height: 620 } });
    try {
      const state = await editor.readBack();
      expectAnnotationFromPrediction(state, prediction);
      expectChoices(state, 'sentiment', ['Positive']);
      expect(textAreaOf(state.annotation.result, 'prompt')).toEqual([PROMPT]);
      expect(textAreaOf(state.annotation.result, 'summary')).toEqual(['Spotless room, very helpful staff.']);
      expect([...state.dom.textAreaItems].sort()).toEqual([PROMPT, 'Spotless room, very helpful staff.'].sort());
      const shot = await editor.screenshot('apps/llm-labeler/editor.png');
      expect(pngSize(shot.png).width).toBe(1100);
      expectCleanPage(editor, server);
    } finally {
      await editor.close();
    }
  });
});
