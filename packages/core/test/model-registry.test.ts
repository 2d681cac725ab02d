/**
 * The registry retires an instance (replaced by a new label config, or dropped by the LRU) only once no
 * request or job holds it: a long prediction or training run keeps its instance usable, and every
 * instance's resources are released afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, createServer, MemoryStore, ModelRegistry, type LsmlServer } from '@lsml/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import CountedModel, { gate, sessions } from './fixtures/counted-model.js';
import { lsTask } from '../src/testing/label-studio-objects.js';
import { annotationCreated, CHOICES_CONFIG, pollJob, postJson } from './helpers/training-requests.js';

const task = (id: number, text: string) => lsTask(id, { text }, 7);

const OTHER_CONFIG = CHOICES_CONFIG.replace('<Choice value="FAIL"/>', '<Choice value="FAIL"/><Choice value="Mixed"/>');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-registry-'));
const running: LsmlServer[] = [];

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeEach(() => {
  sessions.open = 0;
  sessions.opened = 0;
  gate.waiting = 0;
  gate.promise = Promise.resolve();
});
afterEach(async () => {
  gate.open();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start() {
  const server = createServer(CountedModel, { modelDir: tmp(), env: {}, logLevel: 'silent' });
  running.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  return { server, url };
}

describe('model registry leases', () => {
  it('keeps the instance of a long prediction alive across a label-config change, then disposes it', async () => {
    const { server, url } = await start();
    // The prediction waits on the gate: it stands for one that runs 40 s, however long we hold it.
    gate.hold();
    const predicting = postJson(`${url}/predict`, { tasks: [task(1, 'hi')], project: '7.1', label_config: CHOICES_CONFIG });
    await until(() => gate.waiting === 1, 'the prediction to start');
    // Label Studio saves a new label config: the next request replaces the project's instance.
    const setup = await postJson(`${url}/setup`, { project: '7.1', schema: OTHER_CONFIG });
    expect(setup.status).toBe(200);
    expect(server.registry.stats()).toEqual({ live: 1, retiring: 1, leases: 1 });
    expect(sessions.open).toBe(2);
    // Time passes (the old code disposed after 30 s on a timer; nothing here depends on a timer).
    await new Promise((r) => setTimeout(r, 50));
    expect(sessions.open).toBe(2);
    gate.open();
    const res = await predicting;
    const body = (await res.json()) as { results: Array<{ result: Array<{ value: { choices: string[] } }> }> };
    expect(res.status).toBe(200);
    expect(body.results[0]!.result[0]!.value.choices).toEqual(['Positive']);
    // The replaced instance is disposed once the prediction released it.
    await server.registry.settled();
    expect(server.registry.stats()).toEqual({ live: 1, retiring: 0, leases: 0 });
    expect(sessions.open).toBe(1);
    await server.close();
    expect(sessions.open).toBe(0);
  });

  it('keeps the instance a training job uses alive across a label-config change', async () => {
    const { server, url } = await start();
    gate.hold();
    const res = await postJson(`${url}/webhook`, annotationCreated(7, 1, 'Positive'));
    expect(res.status).toBe(201);
    const { job } = (await res.json()) as { job: string };
    await until(() => gate.waiting === 1, 'train() to start');
    expect((await postJson(`${url}/setup`, { project: '7', schema: OTHER_CONFIG })).status).toBe(200);
    expect(sessions.open).toBe(2);
    gate.open();
    const { body } = await pollJob(url, job, (s) => s.job_status === 'finished' || s.job_status === 'failed');
    expect(body.error).toBeNull();
    expect(body.job_status).toBe('finished');
    await server.registry.settled();
    expect(server.registry.stats()).toEqual({ live: 1, retiring: 0, leases: 0 });
    expect(sessions.open).toBe(1);
    await server.close();
    expect(sessions.open).toBe(0);
  });

  it('evicts beyond the LRU limit under 300 projects without disposing an instance in use', async () => {
    const registry = new ModelRegistry(CountedModel, { store: new MemoryStore(), logger: createLogger({ level: 'silent' }), maxInstances: 256 });
    gate.hold();
    // 300 projects predict at once; all 300 hold their instance while the LRU keeps 256.
    const leases = await Promise.all(Array.from({ length: 300 }, (_, i) => registry.acquire(String(i + 1), CHOICES_CONFIG)));
    const predictions = leases.map((l) => l.model.predict([task(1, 'x') as never], { context: {}, params: {} }));
    await until(() => gate.waiting === 300, 'all predictions to start');
    expect(registry.stats()).toEqual({ live: 256, retiring: 44, leases: 300 });
    expect(sessions.open).toBe(300);
    gate.open();
    const settled = await Promise.allSettled(predictions);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    for (const l of leases) {
      l.release();
      l.release(); // idempotent
    }
    await registry.settled();
    expect(registry.stats()).toEqual({ live: 256, retiring: 0, leases: 0 });
    expect(sessions.open).toBe(256);
    // A project the LRU dropped gets a fresh instance, and the oldest live one goes at once (unheld).
    const again = await registry.acquire('1', CHOICES_CONFIG);
    await registry.settled();
    expect(sessions.open).toBe(256);
    expect(sessions.opened).toBe(301);
    again.release();
    await registry.close();
    expect(sessions.open).toBe(0);
    await expect(registry.acquire('1', CHOICES_CONFIG)).rejects.toThrow(/closed/);
  });

  it('releases nothing for a failed creation and retries it next time', async () => {
    const registry = new ModelRegistry(CountedModel, { store: new MemoryStore(), logger: createLogger({ level: 'silent' }) });
    await expect(registry.acquire('1', '<View><Choices name="c" toName="missing"/>')).rejects.toThrow();
    expect(registry.stats()).toEqual({ live: 0, retiring: 0, leases: 0 });
    const ok = await registry.use('1', CHOICES_CONFIG, (m) => m.projectId);
    expect(ok).toBe('1');
    expect(registry.stats()).toEqual({ live: 1, retiring: 0, leases: 0 });
    await registry.close();
    expect(sessions.open).toBe(0);
  });
});
