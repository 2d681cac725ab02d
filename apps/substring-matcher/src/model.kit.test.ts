// The @lsml/testing kit on this app: the protocol cases, then Label Studio's own sequence with a
// smart-tool selection (interactive pre-annotation) and an annotation webhook.
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SubstringMatcher from './model.js';

const CONFIG = '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels><Text name="text" value="$text"/></View>';
const TEXT = 'Apple 😀 sells apple juice; APPLE Inc. is not Apple pie.';
const selected = { from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 5, text: 'Apple', labels: ['ORG'] } };

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(SubstringMatcher, { server: { strictValidation: true } });
});
afterAll(() => backend.stop());

describe('substring-matcher with the @lsml/testing kit', () => {
  it('passes the protocol conformance cases', async () => {
    await replayConformanceCases(backend, { labelConfig: CONFIG });
  });

  it('works through Label Studio’s interactive sequence', async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: CONFIG,
      tasks: [{ text: TEXT }, { text: 'no match here' }],
      context: { annotation_id: null, draft_id: 0, user_id: 1, result: [selected] },
      annotations: [{ task: 0, result: [selected] }],
    });
    expect(report.modelVersion).toBe('SubstringMatcher-v1');
    expect(report.predictions).toEqual([]);
    const [prediction] = report.interactive as Array<{ result: Array<{ value: { text: string } }> }>;
    expect(prediction!.result.map((r) => r.value.text)).toEqual(['apple', 'APPLE', 'Apple']);
    expect(report.webhooks.map((w) => w.status)).toEqual([201, 201]);
  });
});
