// The @lsml/testing kit on the transformers.js adapter: a backend per task on the tiny local models,
// each through the protocol cases and Label Studio's sequence (predictions validated against the config).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { transformersBackend, type TransformersBackendConfig } from './backend.js';
import { releaseAllPipelines } from './runtime.js';
import { pngBytes, testModel } from './test-models.test-helper.js';

const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-kit-images-'));
const image = path.join(imageDir, 'photo.png');
fs.writeFileSync(image, pngBytes(64, 48, (x, y) => [x * 4, y * 5, 90]));

interface KitCase {
  config: TransformersBackendConfig;
  labelConfig: string;
  tasks: Array<Record<string, unknown>>;
  extraParams?: Record<string, unknown>;
  context?: Record<string, unknown>;
}
const CASES: Record<string, KitCase> = {
  'text-classification': {
    config: { task: 'text-classification', model: testModel('tiny-bert-sst2') },
    labelConfig: '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>',
    tasks: [{ text: 'a great film' }, { text: 'bad' }],
  },
  'token-classification': {
    config: { task: 'token-classification', model: testModel('tiny-bert-ner') },
    labelConfig: '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/></Labels><Text name="text" value="$text"/></View>',
    tasks: [{ text: 'Zoë 😀 Marie Curie lives in 東京.' }, { text: 'John Smith visited Berlin.' }],
    extraParams: { threshold: 0 },
  },
  'zero-shot-classification': {
    config: { task: 'zero-shot-classification', model: testModel('tiny-bert-nli') },
    labelConfig: '<View><Text name="text" value="$text"/><Choices name="topic" toName="text"><Choice value="sports"/><Choice value="politics"/></Choices></View>',
    tasks: [{ text: 'the match ended 2-1' }],
  },
  'text-generation': {
    config: { task: 'text-generation', model: testModel('tiny-gpt2'), options: { generation: { max_new_tokens: 3 } } },
    labelConfig: '<View><Text name="text" value="$text"/><TextArea name="prompt" toName="text"/><TextArea name="summary" toName="text"/></View>',
    tasks: [{ text: 'Once upon a time' }],
    context: { result: [{ from_name: 'prompt', to_name: 'text', type: 'textarea', value: { text: ['Continue:'] } }] },
  },
  'image-classification': {
    config: { task: 'image-classification', model: testModel('tiny-vit') },
    labelConfig: '<View><Image name="image" value="$image"/><Choices name="animal" toName="image"><Choice value="cat"/><Choice value="dog"/></Choices></View>',
    tasks: [{ image }],
  },
  'object-detection': {
    config: { task: 'object-detection', model: testModel('tiny-detr'), options: { threshold: 0.2 } },
    labelConfig: '<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="cat"/><Label value="dog"/><Label value="car"/></RectangleLabels></View>',
    tasks: [{ image }],
  },
};

const running: RunningBackend[] = [];
afterAll(async () => {
  await Promise.all(running.map((b) => b.stop()));
  await releaseAllPipelines();
  fs.rmSync(imageDir, { recursive: true, force: true });
});

describe('@lsml/transformers with the @lsml/testing kit', () => {
  it.each(Object.entries(CASES))('%s: protocol cases and Label Studio’s sequence', async (name, c) => {
    const backend = await startBackend(transformersBackend({ ...c.config, name: 'TransformersKit' }), { server: { strictValidation: true } });
    running.push(backend);
    await replayConformanceCases(backend, { labelConfig: c.labelConfig });
    const report = await simulateLabelStudio(backend, { labelConfig: c.labelConfig, tasks: c.tasks, extraParams: c.extraParams, context: c.context });
    expect(report.modelVersion).toBe(path.basename(String(c.config.model)));
    expect(report.predictions, name).toHaveLength(c.tasks.length);
    if (c.context) expect(report.interactive).toHaveLength(1);
  });
});
