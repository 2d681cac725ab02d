// The adapter contract's runtime conformance suite (@lsml/testing), once per task kind, on the tiny
// local models: load/run/dispose, one output per input in order, outputs of the declared kind inside
// the input, abort, invalid inputs as LsmlErrors.
import type { ImageInput, TextInput } from '@lsml/core';
import { runtimeConformance } from '@lsml/testing';
import { afterAll } from 'vitest';
import { releaseAllPipelines } from './pipelines.js';
import { transformersRuntime } from './runtime.js';
import { OFFSET_TEXTS, testModel } from './test-models.test-helper.js';

afterAll(() => releaseAllPipelines());

const texts: TextInput[] = ['a great film', 'John Smith visited Berlin.', 'Zoë 😀 Marie Curie lives in 東京.'].map((text) => ({ kind: 'text', text }));

function image(width: number, height: number, seed: number): ImageInput {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * (seed + 3) + seed * 50) % 256;
  return { kind: 'image', pixels, width, height, channels: 3, originalWidth: width, originalHeight: height, transform: { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 } };
}
const images = [image(64, 48, 0), image(40, 90, 1)];

await runtimeConformance('transformers text-classification', () => transformersRuntime({ task: 'text-classification', model: testModel('tiny-bert-sst2') }), { inputs: texts });

await runtimeConformance('transformers zero-shot-classification', () => transformersRuntime({ task: 'zero-shot-classification', model: testModel('tiny-bert-nli') }), {
  inputs: texts.map((t) => ({ ...t, candidateLabels: ['sports', 'politics', 'film'] })),
});

await runtimeConformance('transformers token-classification', () => transformersRuntime({ task: 'token-classification', model: testModel('tiny-bert-ner') }), {
  inputs: [...texts, ...OFFSET_TEXTS.map((text): TextInput => ({ kind: 'text', text }))],
});

await runtimeConformance(
  'transformers text-generation',
  () => transformersRuntime({ task: 'text-generation', model: testModel('tiny-gpt2'), options: { generation: { max_new_tokens: 4 } } }),
  { inputs: [texts[0]!, { kind: 'text', text: 'ignored', prompt: 'Once upon a time' }] },
);

await runtimeConformance('transformers image-classification', () => transformersRuntime({ task: 'image-classification', model: testModel('tiny-vit') }), { inputs: images });

await runtimeConformance('transformers object-detection', () => transformersRuntime({ task: 'object-detection', model: testModel('tiny-detr'), options: { threshold: 0.1 } }), {
  inputs: images,
});
