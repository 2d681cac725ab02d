// Starts the model on a free port and talks to it the way Label Studio does.
import { replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Model from './model.js';

const LABEL_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
</View>`;

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(Model);
});
afterAll(() => backend.stop());

describe('{{className}} as Label Studio sees it', () => {
  it('speaks the ML backend protocol', async () => {
    await replayConformanceCases(backend, { labelConfig: LABEL_CONFIG });
  });

  it('pre-annotates tasks with one valid prediction each', async () => {
    const report = await simulateLabelStudio(backend, {
      labelConfig: LABEL_CONFIG,
      tasks: [{ text: 'I love this product, it is excellent' }, { text: 'Terrible quality, the worst order ever' }],
    });
    expect(report.modelVersion).toBe('{{className}}-v1');
    expect(report.predictions).toHaveLength(2);
    for (const p of report.predictions as Array<{ result: Array<{ value: { choices: string[] } }> }>) {
      expect(['Positive', 'Negative', 'Neutral']).toContain(p.result[0]!.value.choices[0]);
    }
  });

  it('gives a task without its text no prediction, and predicts the rest of the batch', async () => {
    const res = await fetch(`${backend.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tasks: [{ id: 1, data: { text: 'excellent' } }, { id: 2, data: {} }], project: '1.1', label_config: LABEL_CONFIG }),
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<{ result?: unknown[] } | unknown[]> };
    expect(results[0]).toMatchObject({ result: [{ from_name: 'sentiment', type: 'choices' }] });
    expect(results[1]).toEqual([]);
  });
});
