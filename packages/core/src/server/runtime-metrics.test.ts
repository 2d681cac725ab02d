// The runtime metrics hook: what a runtime records appears in every server's Prometheus answer, next to
// the server's own metrics, and GET /metrics without an Accept header still answers {} (as Python).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBackend } from '../model/define-backend.js';
import { MemoryStore } from '../state/memory-store.js';
import { createServer, type LsmlServer } from './create-server.js';
import { runtimeMetrics } from './runtime-metrics.js';

describe('runtimeMetrics', () => {
  let server: LsmlServer;
  let url: string;
  beforeAll(async () => {
    server = createServer(defineBackend({ predict: () => [] }), { store: new MemoryStore(), env: {}, logLevel: 'silent' });
    ({ url } = await server.listen(0, '127.0.0.1'));
    await server.ready;
  });
  afterAll(() => server.close());

  it('counters and histograms recorded by a runtime are served at GET /metrics (Prometheus text)', async () => {
    runtimeMetrics.count('lsml_test_runtime_tokens_total', 'test tokens', { provider: 'p', kind: 'prompt' }, 5);
    runtimeMetrics.count('lsml_test_runtime_tokens_total', 'test tokens', { provider: 'p', kind: 'prompt' }, 2);
    runtimeMetrics.observe('lsml_test_runtime_seconds', 'test latency', { provider: 'p' }, 0.3);
    const text = await fetch(`${url}/metrics`, { headers: { accept: 'text/plain' } }).then((r) => r.text());
    expect(text).toContain('lsml_test_runtime_tokens_total{provider="p",kind="prompt"} 7');
    expect(text).toContain('lsml_test_runtime_seconds_count{provider="p"} 1');
    expect(text).toContain('lsml_http_requests_total');
    expect(await fetch(`${url}/metrics`).then((r) => r.json())).toEqual({});
  });

  it('names must start with lsml_; one registry per process (ESM and CJS copies share it)', () => {
    expect(() => runtimeMetrics.count('tokens_total', 'x', {})).toThrow(/lsml_/);
    expect((globalThis as unknown as Record<symbol, unknown>)[Symbol.for('lsml.runtimeMetrics')]).toBe(runtimeMetrics);
  });
});
