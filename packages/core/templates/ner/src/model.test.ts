// Starts the model on a free port and talks to it the way Label Studio does. The first run downloads
// MODEL_NAME from the Hugging Face hub; point MODEL_NAME at a local folder to test offline.
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Model from './model.js';

const LABEL_CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="Person" predicted_values="PER"/>
    <Label value="Organization" predicted_values="ORG"/>
    <Label value="Location" predicted_values="LOC"/>
    <Label value="MISC"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(Model);
});
afterAll(() => backend.stop());

describe('{{className}} as Label Studio sees it', () => {
  it('speaks the ML backend protocol (loads the model)', { timeout: 300_000 }, async () => {
    await replayConformanceCases(backend, { labelConfig: LABEL_CONFIG });
  });

  it('pre-annotates entity spans that quote the text exactly', { timeout: 60_000 }, async () => {
    // simulateLabelStudio checks every span's value.text against the task text.
    const report = await simulateLabelStudio(backend, {
      labelConfig: LABEL_CONFIG,
      tasks: [{ text: 'John Smith works at Acme Corp in Berlin.' }, { text: 'Zoë flew from København to São Paulo 😀.' }],
      extraParams: { threshold: 0 },
    });
    expect(report.predictions).toHaveLength(2);
  });
});
