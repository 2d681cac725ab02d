// The @lsml/testing kit on this app, on the tiny random-weight token classifier (offline): the protocol
// cases, then Label Studio's sequence (spans are checked against the task text).
import { fileURLToPath } from 'node:url';
import type { BackendClass } from '@lsml/core';
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MODEL = fileURLToPath(new URL('../../../packages/transformers/test/models/tiny-bert-ner', import.meta.url));
const CONFIG =
  '<View><Labels name="label" toName="text"><Label value="Person" predicted_values="PER"/><Label value="Organization" predicted_values="ORG"/><Label value="Location" predicted_values="LOC"/><Label value="MISC"/></Labels><Text name="text" value="$text"/></View>';

let backend: RunningBackend;
beforeAll(async () => {
  process.env.MODEL_NAME = MODEL;
  const { default: Ner } = (await import('./model.js')) as { default: BackendClass };
  backend = await startBackend(Ner, { server: { strictValidation: true } });
});
afterAll(() => backend.stop());

describe('ner with the @lsml/testing kit', () => {
  it('passes the protocol conformance cases', async () => {
    await replayConformanceCases(backend, { labelConfig: CONFIG });
  });

  it('works through Label Studio’s sequence', async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: CONFIG,
      tasks: [{ text: 'John Smith works at Acme Corp in Berlin.' }, { text: 'Zoë 🇩🇰 flew from København to São Paulo.' }],
      extraParams: { threshold: 0 },
      annotations: [{ task: 0, result: [{ from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 10, text: 'John Smith', labels: ['Person'] } }] }],
    });
    expect(report.modelVersion).toBe('tiny-bert-ner');
    expect(report.predictions).toHaveLength(2);
    expect(report.webhooks.map((w) => w.status)).toEqual([201, 201]);
  });
});
