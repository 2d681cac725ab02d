// The kit on core's §11 fixture models: what passes must pass, and what Label Studio would choke on
// must be reported.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { defineBackend, LabelStudioMLBase, type BackendClass } from '@lsml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPredictions, KitError, replayConformanceCases, simulateLabelStudio, startBackend, type RunningBackend } from './index.js';

const fixture = (f: string) => fileURLToPath(new URL(`../../core/test/fixtures/${f}`, import.meta.url));
/** A §11 fixture's class, for in-process serving (the fixtures live in core's tests). */
const fixtureClass = async (f: string) => ((await import(fixture(f))) as { default: BackendClass }).default;
const SENTIMENT =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/></Choices></View>';
const NER = '<View><Labels name="label" toName="text"><Label value="ORG"/><Label value="PER"/></Labels><Text name="text" value="$text"/></View>';
const choice = (c: string) => [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [c] } }];

const running: RunningBackend[] = [];
const start = async (...args: Parameters<typeof startBackend>) => {
  const b = await startBackend(...args);
  running.push(b);
  return b;
};
afterAll(async () => {
  await Promise.all(running.map((b) => b.stop()));
});

describe('startBackend + replayConformanceCases', () => {
  it('passes every case on the base class in process, with basic auth', async () => {
    const backend = await start(LabelStudioMLBase, { basicAuth: { user: 'ls', pass: 's3cret' } });
    expect(backend.mode).toBe('in-process');
    const report = await replayConformanceCases(backend);
    expect(report.failed).toEqual([]);
    expect(report.passed.map((c) => c.name)).toEqual(expect.arrayContaining(['health_root_get', 'setup_missing_project', 'auth_wrong_password', 'auth_other_scheme']));
    expect(report.skipped).toEqual([]);
  });

  it('spawns `lsml start` for a model file and passes without auth (auth cases skipped)', async () => {
    const backend = await start(fixture('echo.ts'));
    expect(backend.mode).toBe('process');
    const report = await replayConformanceCases(backend, { labelConfig: SENTIMENT, modelClass: 'Echo' });
    expect(report.failed).toEqual([]);
    expect(report.skipped.map((s) => s.name)).toContain('auth_missing_credentials');
    expect(report.passed.length).toBeGreaterThanOrEqual(24);
  });

  it('reports the Python quirks the spec says not to copy', async () => {
    // A stand-in for the Python server: 500 for bad input, HTML errors, no 405s.
    const python = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const ok = (code: number, json: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(json));
        if (req.url === '/health' || req.url === '/') return ok(200, { model_class: 'LabelStudioMLBase', status: 'UP' });
        if (req.url === '/metrics') return ok(200, {});
        try {
          const parsed = JSON.parse(body) as { project?: unknown };
          if (req.url === '/setup' && typeof parsed.project === 'string') return ok(200, { model_version: '0.0.1' });
        } catch {
          // falls through to the 500
        }
        ok(500, { status: 500, detail: 'AttributeError: ...', request: {} });
      });
    });
    await new Promise<void>((r) => python.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(python.address() as AddressInfo).port}`;
      const report = await replayConformanceCases(url, { throwOnFailure: false });
      const failed = report.failed.map((f) => f.name);
      expect(failed).toEqual(expect.arrayContaining(['predict_malformed_json', 'predict_wrong_content_type', 'setup_missing_project', 'setup_integer_project_quirk', 'health_trailing_slash_404']));
      expect(report.passed.map((p) => p.name)).toContain('health_root_get');
      await expect(replayConformanceCases(url, { only: ['predict_malformed_json'] })).rejects.toThrow(/predict_malformed_json .*status 500, expected 400/);
    } finally {
      python.close();
    }
  });
});

describe('simulateLabelStudio', () => {
  it('trains through START_TRAINING and job_status, then predicts with the bumped version', async () => {
    const backend = await start(await fixtureClass('trainable.ts'));
    const report = await simulateLabelStudio(backend, {
      labelConfig: SENTIMENT,
      tasks: [{ text: 'good' }, { text: 'bad' }, { text: 'fine' }],
      annotations: [
        { task: 0, result: choice('Positive') },
        { task: 1, result: choice('Negative') },
        { task: 2, result: choice('Negative') },
      ],
      extraParams: { threshold: 0.5 },
    });
    expect(report.problems).toEqual([]);
    expect(report.modelVersion).toBe('0.0.1');
    expect(report.predictions).toHaveLength(3);
    expect(report.webhooks.map((w) => w.status)).toEqual([201, 201, 201, 201]);
    expect(report.training?.final).toMatchObject({ job_status: 'finished' });
    expect(report.modelVersionAfterTraining).not.toBe('0.0.1');
    expect(report.predictionsAfterTraining).toEqual(
      Array.from({ length: 3 }, () => expect.objectContaining({ model_version: report.modelVersionAfterTraining, result: choice('Negative') })),
    );
  });

  it('checks interactive pre-annotation, including span offsets', async () => {
    const backend = await start(await fixtureClass('interactive-substring-matching.ts'));
    const text = 'Apple bought apple shares; APPLE said so.';
    const report = await simulateLabelStudio(backend, {
      labelConfig: NER,
      tasks: [{ text }],
      context: { result: [{ from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 5, text: 'Apple', labels: ['ORG'] } }] } as never,
    });
    expect(report.problems).toEqual([]);
    expect(report.predictions).toEqual([]); // nothing to do without a selection (§5.5)
    const [prediction] = report.interactive as Array<{ result: unknown[] }>;
    expect(prediction!.result).toHaveLength(3);
  });

  it('reports what Label Studio would reject', async () => {
    const broken = defineBackend({
      name: 'Broken',
      predict: (tasks) => tasks.map(() => ({ model_version: 'other', score: 1.5, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Maybe'] } }] })),
    });
    const backend = await start(broken);
    const err = await simulateLabelStudio(backend, { labelConfig: SENTIMENT, tasks: [{ text: 'a' }, { text: 'b' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KitError);
    const problems = (err as KitError).problems.join('\n');
    expect(problems).toMatch(/results\[0\]\.score: must be null or a number in \[0, 1\], got 1\.5/);
    expect(problems).toMatch(/results\[1\]\.model_version: "other" differs from \/setup's "0\.0\.1"/);
    expect(problems).toMatch(/results\[0\]\.result\[0\]\.value\.choices\[0\]: .*Maybe/);

    const boom = await start(await fixtureClass('boom.ts'));
    const report = await simulateLabelStudio(boom, { labelConfig: SENTIMENT, tasks: [{ text: 'a' }], annotations: [{ task: 0, result: choice('Positive') }], throwOnFailure: false });
    expect(report.problems.join('\n')).toMatch(/^predict: status 500[\s\S]*webhook ANNOTATION_CREATED: status 500[\s\S]*webhook START_TRAINING: status 500/);
  });

  it('flags a webhook slower than Label Studio waits (training inside fit)', async () => {
    const slowFit = defineBackend({ name: 'SlowFit', fit: async () => new Promise((r) => setTimeout(() => r({ trained: true }), 300)) });
    const backend = await start(slowFit);
    const report = await simulateLabelStudio(backend, {
      labelConfig: SENTIMENT,
      tasks: [{ text: 'a' }],
      annotations: [{ task: 0, result: choice('Positive') }],
      webhookTimeoutMs: 150,
      throwOnFailure: false,
    });
    expect(report.problems).toEqual([expect.stringMatching(/^webhook ANNOTATION_CREATED took \d+ ms; LS times out after 150 ms/)]);
    expect(report.training).toMatchObject({ status: 201, body: { result: { trained: true } } });
  });

  it('follows Label Studio when one result comes back for a batch', async () => {
    const backend = await start(fixture('one-prediction.ts'));
    const report = await simulateLabelStudio(backend, { labelConfig: SENTIMENT, tasks: [{ text: 'a' }, { text: 'b' }], throwOnFailure: false });
    expect(report.problems).toEqual([expect.stringMatching(/1 result for 2 tasks; LS then sends every task on its own/)]);
    expect(report.steps.filter((s) => s.step === 'predict (one task)')).toHaveLength(2);
  });
});

describe('checkPredictions', () => {
  const tasks = [{ text: 'Apple and Bob' }];
  it('accepts valid, empty and null-score predictions', () => {
    expect(checkPredictions(SENTIMENT, tasks, [{ model_version: 'v1', score: null, result: choice('Neutral') }], { modelVersion: 'v1' })).toEqual({ ok: true, errors: [], predictions: 1 });
    expect(checkPredictions(SENTIMENT, tasks, []).ok).toBe(true);
    expect(checkPredictions(SENTIMENT, tasks, [[{ result: [] }, { result: choice('Positive'), score: 0 }]]).predictions).toBe(2);
  });

  it('names every problem', () => {
    const span = (start: number, end: number, text: string) => ({ from_name: 'label', to_name: 'text', type: 'labels', value: { start, end, text, labels: ['ORG'] } });
    expect(checkPredictions(NER, tasks, [{ result: [span(0, 5, 'Apple'), span(10, 13, 'Bo')] }]).errors).toEqual([
      'results[0].result[1].value.text: "Bo" but the task text at [10, 13) is "Bob"',
    ]);
    // Offsets count code points, as Label Studio's editor does: the emoji is one character.
    expect(checkPredictions(NER, [{ text: '😀 Bob' }], [{ result: [span(2, 5, 'Bob')] }]).errors).toEqual([]);
    expect(checkPredictions(SENTIMENT, [...tasks, ...tasks], [{ result: [] }]).errors[0]).toMatch(/1 result for 2 tasks/);
    expect(checkPredictions(SENTIMENT, tasks, { results: [] }).errors[0]).toMatch(/results must be a list/);
    expect(checkPredictions(SENTIMENT, tasks, [{ score: 0.1 }]).errors[0]).toMatch(/results\[0\]\.result: must be a list/);
    expect(checkPredictions(SENTIMENT, tasks, [], { interactive: true }).errors[0]).toMatch(/interactive request without results/);
  });
});
