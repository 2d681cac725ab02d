import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OnnxError } from './errors.js';
import { createSession, hasCudaBinaries, supportedProviders } from './session.js';
import { CLASSIFIER } from './test-models.test-helper.js';

describe('createSession', () => {
  it('loads a model from a path, a file URL, a relative path and bytes', async () => {
    const sources = [CLASSIFIER, pathToFileURL(CLASSIFIER), path.relative(process.cwd(), CLASSIFIER), new Uint8Array(fs.readFileSync(CLASSIFIER))];
    for (const source of sources) {
      const { session, source: label } = await createSession(source, { intraOpNumThreads: 1, graphOptimizationLevel: 'extended' });
      expect(session.inputNames).toEqual(['features']);
      expect(session.outputNames).toEqual(['probabilities', 'logits']);
      expect(label).toBe(source instanceof Uint8Array ? '<bytes>' : CLASSIFIER);
      await session.release();
    }
  });

  it("uses CPU for 'auto' on a machine without CUDA binaries, and honours an explicit CPU request", async () => {
    const auto = await createSession(CLASSIFIER);
    expect(auto.executionProviders).toEqual(hasCudaBinaries() ? expect.arrayContaining(['cpu']) : ['cpu']);
    await auto.session.release();
    const cpu = await createSession(CLASSIFIER, { executionProviders: ['cpu'] });
    expect(cpu.executionProviders).toEqual(['cpu']);
    await cpu.session.release();
  });

  it.skipIf(hasCudaBinaries())('explains a CUDA request when the CUDA binaries are missing', async () => {
    const err = await createSession(CLASSIFIER, { executionProviders: ['cuda', 'cpu'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxError);
    expect((err as OnnxError).code).toBe('provider_unavailable');
    expect((err as OnnxError).provider).toBe('cuda');
    expect((err as Error).message).toMatch(/"cuda" was requested but onnxruntime-node's CUDA binaries are not installed/);
    expect((err as Error).message).toMatch(/'auto' or \['cpu'\]/);
  });

  it('names the providers this platform has when an unknown one is requested', async () => {
    const missing = ['coreml', 'dml', 'qnn'].find((p) => !supportedProviders().includes(p)) as string;
    const err = await createSession(CLASSIFIER, { executionProviders: [missing] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxError);
    expect((err as OnnxError).code).toBe('provider_unavailable');
    expect((err as Error).message).toContain(`"${missing}" is not available`);
    expect((err as Error).message).toContain('available: cpu');
  });

  it('reports a missing file and an unreadable model with the source named', async () => {
    const missing = await createSession('/nonexistent/model.onnx').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OnnxError);
    expect((missing as OnnxError).code).toBe('model_load');
    expect((missing as OnnxError).status).toBe(500);
    expect((missing as Error).message).toBe('ONNX model not found: /nonexistent/model.onnx');
    const garbage = await createSession(new Uint8Array([1, 2, 3, 4])).catch((e: unknown) => e);
    expect((garbage as OnnxError).code).toBe('model_load');
    expect((garbage as Error).message).toMatch(/^Could not load ONNX model <bytes>: /);
  });
});
