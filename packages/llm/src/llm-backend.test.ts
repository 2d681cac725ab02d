// llmBackend over HTTP on the LOCAL STAND-IN chat-completions server: the prompt of a submitted
// annotation is remembered per project (ANNOTATION_CREATED webhook, as Python's llm_interactive does in
// fit), bumps the model version, and drives the next batch prediction.
import { createServer, MemoryStore, type LsmlServer } from '@lsml/core';
import { annotationWebhook, lsAnnotation, lsProject, lsTask, projectUid } from '@lsml/core/testing';
import { postJson } from '@lsml/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { llmBackend } from './llm-backend.js';
import { llmRuntime } from './runtime.js';
import { startStandIn, type StandIn } from './stand-in-server.test-helper.js';

const KEY = 'sk-remember';
const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <TextArea name="prompt" toName="text" editable="true"/>
  <Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices>
</View>`;
let standIn: StandIn;
let server: LsmlServer;
let url: string;

beforeAll(async () => {
  standIn = await startStandIn({ apiKey: KEY, fallback: () => ({ content: '{"sentiment": "Positive"}' }) });
  const Model = llmBackend({ runtime: llmRuntime({ baseURL: standIn.baseURL, apiKey: KEY, model: 'remember' }) });
  server = createServer(Model, { store: new MemoryStore(), env: {}, logLevel: 'silent', strictValidation: true });
  ({ url } = await server.listen(0, '127.0.0.1'));
  await server.ready;
});
afterAll(async () => {
  await server?.close();
  await standIn?.close();
});

it('remembers the prompt of a submitted annotation and uses it for the next tasks', async () => {
  const setup = await postJson<{ model_version: string }>(url, '/setup', { project: projectUid(5), schema: CONFIG, extra_params: null });
  expect(setup.status).toBe(200);
  const before = setup.body.model_version;
  const task = lsTask(51, { text: 'Lovely day' }, 5);
  const predict = () => postJson<{ results: unknown[] }>(url, '/predict', { tasks: [task], project: projectUid(5), label_config: CONFIG, params: { login: null, password: null, context: null } });

  let from = standIn.requests.length;
  expect((await predict()).status).toBe(200);
  expect(standIn.requests[from]?.body.messages?.at(-1)?.content).toBe('Label the following text.\n\nText:\nLovely day');

  const annotation = lsAnnotation(1, 51, 5, [
      { from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Is the author happy?'] } },
      { from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } },
  ]);
  const hook = await postJson<{ status: string; result?: { prompt: string; model_version: string } }>(url, '/webhook', annotationWebhook(lsProject(5, CONFIG), task, annotation));
  expect(hook.status).toBe(201);
  expect(hook.body.result?.prompt).toBe('stored');
  expect(hook.body.result?.model_version).not.toBe(before);

  from = standIn.requests.length;
  const res = await predict();
  expect(standIn.requests[from]?.body.messages?.at(-1)?.content).toBe('Is the author happy?\n\nText:\nLovely day');
  const [p] = res.body.results as Array<{ model_version: string; result: Array<{ from_name: string }> }>;
  expect(p?.model_version).toBe(hook.body.result?.model_version);
  expect(p?.result.map((r) => r.from_name)).toEqual(['sentiment', 'prompt']);

  // The same prompt again changes nothing.
  const again = await postJson<{ result?: { prompt: string } }>(url, '/webhook', annotationWebhook(lsProject(5, CONFIG), task, annotation, 'ANNOTATION_UPDATED'));
  expect(again.body.result?.prompt).toBe('unchanged');
});
