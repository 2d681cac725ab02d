// The @lsml/testing kit on this app: the protocol cases, then Label Studio's loop — annotations by
// webhook, "Start Training", job_status polling, predictions from the trained version.
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import TextClassifier from './model.js';

const CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="label" toName="text" choice="single"><Choice value="spam"/><Choice value="ham"/></Choices></View>';
const EXAMPLES: Array<[string, 'spam' | 'ham']> = [
  ['WIN a FREE prize now, click here', 'spam'],
  ['Cheap pills, limited offer, buy now', 'spam'],
  ['You won the lottery, claim your cash prize', 'spam'],
  ['Free money!!! click the link', 'spam'],
  ['Are we still meeting for lunch tomorrow?', 'ham'],
  ['Here are the notes from the team meeting', 'ham'],
  ['Can you review my pull request today?', 'ham'],
  ['Dinner at my place on Friday?', 'ham'],
];
const choice = (label: string) => [{ from_name: 'label', to_name: 'text', type: 'choices', value: { choices: [label] } }];

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(TextClassifier, { server: { strictValidation: true } });
});
afterAll(() => backend.stop());

describe('text-classifier with the @lsml/testing kit', () => {
  it('passes the protocol conformance cases', async () => {
    await replayConformanceCases(backend, { labelConfig: CONFIG });
  });

  it('trains from Label Studio’s webhooks and serves the new version', { timeout: 60_000 }, async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: CONFIG,
      tasks: EXAMPLES.map(([text]) => ({ text })),
      annotations: EXAMPLES.map(([, label], task) => ({ task, result: choice(label) })),
    });
    expect(report.modelVersion).toBe('TextClassifier-v0');
    expect(report.predictions).toEqual([]); // nothing to serve before the first training
    expect(report.training?.final).toMatchObject({ job_status: 'finished' });
    expect(report.modelVersionAfterTraining).toBe('TextClassifier-v1');
    expect(report.predictionsAfterTraining).toHaveLength(EXAMPLES.length);
  });
});
