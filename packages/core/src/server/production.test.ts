import { afterEach, describe, expect, it } from 'vitest';
import { defineBackend } from '../model/define-backend.js';
import { LabelStudioMLBase } from '../model/label-studio-ml-base.js';
import { MemoryStore } from '../state/memory-store.js';
import { createServer, type CreateServerOptions, type LsmlServer } from './create-server.js';
import type { BackendClass } from '../model/label-studio-ml-base.js';

const running: LsmlServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(Model: BackendClass, options: CreateServerOptions = {}) {
  const server = createServer(Model, { store: new MemoryStore(), env: {}, logLevel: 'silent', ...options });
  running.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  return { server, url };
}
const predict = (url: string) =>
  fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tasks: [{}], project: '1' }) });

const Slow = defineBackend({
  name: 'Slow',
  predict: async (_tasks, { signal }) => {
    await new Promise((r) => setTimeout(r, Number(process.env.SLOW_MS ?? 300)));
    return [{ result: [], aborted: signal?.aborted ?? false }];
  },
});

describe('overload', () => {
  it('turns the excess away with 503 + Retry-After quickly and completes what it accepted', async () => {
    const limit = 4;
    const { url } = await start(Slow, { maxConcurrency: limit, maxQueue: 0 });
    const startedAt = Date.now();
    const results = await Promise.all(
      Array.from({ length: limit * 4 }, async () => {
        const t = Date.now();
        const res = await predict(url);
        return { status: res.status, ms: Date.now() - t, retry: res.headers.get('retry-after'), body: (await res.json()) as { status?: number; detail?: string } };
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    const rejected = results.filter((r) => r.status === 503);
    expect(ok).toHaveLength(limit);
    expect(rejected).toHaveLength(limit * 3);
    for (const r of rejected) {
      expect(r.retry).toBe('1');
      expect(r.body.status).toBe(503);
      expect(r.ms).toBeLessThan(250);
    }
    expect(Date.now() - startedAt).toBeLessThan(3000);
  });

  it('queues up to maxQueue and serves them in turn', async () => {
    const { url } = await start(Slow, { maxConcurrency: 2, maxQueue: 4 });
    const statuses = await Promise.all(Array.from({ length: 8 }, () => predict(url).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
  });

  it('answers 504 when a prediction passes the timeout, aborts its signal, and keeps serving', async () => {
    let sawAbort = false;
    const Hang = defineBackend({
      predict: (_t, { signal }) =>
        new Promise((resolve) => {
          signal?.addEventListener('abort', () => {
            sawAbort = true;
            resolve([]);
          });
        }),
    });
    const { url, server } = await start(Hang, { predictTimeoutMs: 200 });
    const res = await predict(url);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/Gateway Timeout/);
    expect(sawAbort).toBe(true);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(server.inFlight()).toBe(0);
  });
});

describe('readiness and metrics', () => {
  it('answers /ready 503 until preload resolves, while /health stays UP', async () => {
    let done!: () => void;
    class Heavy extends LabelStudioMLBase {
      static async preload() {
        await new Promise<void>((r) => (done = r));
      }
    }
    const { url, server } = await start(Heavy);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const notYet = await fetch(`${url}/ready`);
    expect(notYet.status).toBe(503);
    expect(((await notYet.json()) as { detail: string }).detail).toMatch(/loading/);
    done();
    await server.ready;
    expect(await (await fetch(`${url}/ready`)).json()).toEqual({ status: 'READY', model_class: 'Heavy' });
  });

  it('reports a failed preload on /ready', async () => {
    class Broken extends LabelStudioMLBase {
      static async preload() {
        throw new Error('weights missing');
      }
    }
    const { url, server } = await start(Broken);
    await server.ready;
    const res = await fetch(`${url}/ready`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toContain('Error: weights missing');
  });

  it('keeps /metrics {} for Label Studio and serves Prometheus text to scrapers', async () => {
    const { url } = await start(Slow, { maxConcurrency: 1, maxQueue: 0 });
    await Promise.all([predict(url), predict(url)]);
    expect(await (await fetch(`${url}/metrics`)).json()).toEqual({});
    const res = await fetch(`${url}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' } });
    expect(res.headers.get('content-type')).toMatch(/text\/plain|openmetrics/);
    const text = await res.text();
    expect(text).toMatch(/lsml_http_requests_total\{route="\/predict",method="POST",status="200"\} 1/);
    expect(text).toMatch(/lsml_http_requests_total\{route="\/predict",method="POST",status="503"\} 1/);
    expect(text).toMatch(/lsml_predict_rejected_total\{reason="overloaded"\} 1/);
    expect(text).toMatch(/lsml_predictions_total\{model_version="0.0.1"\} 1/);
    // Two /predict answers (200 and 503): cumulative buckets ending at +Inf = _count = 2.
    expect(text).toMatch(/lsml_http_request_duration_seconds_bucket\{le="\+Inf",route="\/predict",method="POST"\} 2\n/);
    expect(text).toMatch(/lsml_http_request_duration_seconds_count\{route="\/predict",method="POST"\} 2\n/);
    const buckets = [...text.matchAll(/lsml_http_request_duration_seconds_bucket\{le="[^"]+",route="\/predict",method="POST"\} (\d+)/g)].map((m) => Number(m[1]));
    expect(buckets).toHaveLength(16);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    // Counts handed to the counter at a scrape are not counted again at the next one.
    const again = await (await fetch(`${url}/metrics?format=prometheus`)).text();
    expect(again).toMatch(/lsml_http_requests_total\{route="\/predict",method="POST",status="200"\} 1\n/);
    expect(text).toMatch(/lsml_training_jobs\{status="queued"\} 0/);
    expect(text).toMatch(/lsml_ready 1/);
    expect((await fetch(`${url}/metrics?format=prometheus`)).headers.get('content-type')).toMatch(/text\/plain/);
  });
});
