// Starts the model on a free port and talks to it the way Label Studio does, smart tools included.
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Model from './model.js';

const LABEL_CONFIG = `<View>
  <Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Text name="text" value="$text"/>
</View>`;
const TEXT = 'Apple makes phones 📱. apple pie is not APPLE Inc.';

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(Model);
});
afterAll(() => backend.stop());

describe('{{className}} as Label Studio sees it', () => {
  it('speaks the ML backend protocol', async () => {
    await replayConformanceCases(backend, { labelConfig: LABEL_CONFIG });
  });

  it('finds the other occurrences of the span the annotator labelled', async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: LABEL_CONFIG,
      tasks: [{ text: TEXT }],
      // What the labelling UI sends when the annotator labels "Apple" as ORG.
      context: { result: [{ from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 5, text: 'Apple', labels: ['ORG'] } }] },
    });
    expect(report.predictions).toEqual([]); // no selection, nothing to do
    const [prediction] = report.interactive as Array<{ result: Array<{ value: { start: number; text: string } }> }>;
    // Offsets count code points, as Label Studio does: the emoji is one character.
    expect(prediction!.result.map((r) => [r.value.start, r.value.text])).toEqual([
      [22, 'apple'],
      [39, 'APPLE'],
    ]);
  });
});
