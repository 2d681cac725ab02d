// @lsml/testing's runtime conformance suite on llmRuntime: the OpenAI-compatible provider against the
// LOCAL STAND-IN server (no LLM runs here), and the local provider on the tiny GPT-2.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeConformance } from '@lsml/testing';
import { afterAll, beforeAll } from 'vitest';
import { llmRuntime } from './runtime.js';
import { startStandIn, type StandIn } from './stand-in-server.test-helper.js';

const KEY = 'sk-conformance-key';
const TINY_GPT2 = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../transformers/test/models/tiny-gpt2');
let standIn: StandIn | undefined;
beforeAll(async () => {
  // Deterministic: the "model" echoes the prompt, so outputs differ per input and repeat per run.
  standIn = await startStandIn({ apiKey: KEY, fallback: (req) => ({ content: `echo: ${req.body.messages?.at(-1)?.content ?? ''}` }) });
});
afterAll(() => standIn?.close());

const schema = { name: 'answer', schema: { type: 'object', properties: { label: { type: 'string', enum: ['A', 'B'] } }, required: ['label'], additionalProperties: false } };
const inputs = [
  { kind: 'text' as const, text: 'first text', prompt: 'Label: first text' },
  { kind: 'text' as const, text: 'second 😀 text', prompt: 'Label: second 😀 text', responseSchema: schema },
  { kind: 'text' as const, text: '' },
];
const invalidInputs = [{ kind: 'image' }, { kind: 'text', text: 42 }, null];

await runtimeConformance('llmRuntime openai (stand-in server)', () => llmRuntime({ baseURL: (standIn as StandIn).baseURL, apiKey: KEY, model: 'conformance', retryBaseMs: 10 }), { inputs, invalidInputs });

await runtimeConformance('llmRuntime local (tiny GPT-2)', () => llmRuntime({ provider: 'local', model: TINY_GPT2, maxTokens: 8 }), { inputs, invalidInputs, timeoutMs: 60_000 });
