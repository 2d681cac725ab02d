// Metrics that runtimes record (an LLM's tokens and latency, …) without depending on prom-client or on
// the server object: one process-wide registry that every server's GET /metrics serves next to its own.
import { Counter, Histogram, Registry } from 'prom-client';

/** Label values of one sample. */
export type MetricLabels = Readonly<Record<string, string>>;

/**
 * The hook runtimes write their metrics to. Metric names must start with `lsml_` and be unique; the
 * first call with a name creates the metric (with that help text and those label names), later calls
 * reuse it.
 *
 * ```ts
 * import { runtimeMetrics } from '@lsml/core';
 * runtimeMetrics.count('lsml_llm_tokens_total', 'LLM tokens', { provider: 'openai', kind: 'prompt' }, 120);
 * runtimeMetrics.observe('lsml_llm_request_duration_seconds', 'LLM call latency', { provider: 'openai' }, 0.42);
 * ```
 */
export interface RuntimeMetrics {
  /** Add `value` (default 1) to a counter. */
  count(name: string, help: string, labels: MetricLabels, value?: number): void;
  /** Record one observation (seconds, tokens, …) in a histogram. */
  observe(name: string, help: string, labels: MetricLabels, value: number, buckets?: readonly number[]): void;
  /** The registry behind them (served by every server's `GET /metrics`). */
  readonly registry: Registry;
}

const DEFAULT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 90];

function create(): RuntimeMetrics {
  const registry = new Registry();
  const counters = new Map<string, Counter<string>>();
  const histograms = new Map<string, Histogram<string>>();
  const checkName = (name: string) => {
    if (!/^lsml_[a-zA-Z0-9_]+$/.test(name)) throw new Error(`Runtime metric names start with lsml_ and hold [a-zA-Z0-9_] only: ${name}`);
  };
  return {
    registry,
    count(name, help, labels, value = 1) {
      let counter = counters.get(name);
      if (!counter) {
        checkName(name);
        counter = new Counter({ name, help, labelNames: Object.keys(labels), registers: [registry] });
        counters.set(name, counter);
      }
      if (Number.isFinite(value) && value > 0) counter.inc({ ...labels }, value);
    },
    observe(name, help, labels, value, buckets = DEFAULT_BUCKETS) {
      let histogram = histograms.get(name);
      if (!histogram) {
        checkName(name);
        histogram = new Histogram({ name, help, labelNames: Object.keys(labels), buckets: [...buckets], registers: [registry] });
        histograms.set(name, histogram);
      }
      if (Number.isFinite(value)) histogram.observe({ ...labels }, value);
    },
  };
}

// One per process, also when both the ESM and the CJS copy of @lsml/core are loaded (a model file may
// load one while the server runs the other).
const KEY = Symbol.for('lsml.runtimeMetrics');
const holder = globalThis as unknown as Record<symbol, RuntimeMetrics | undefined>;

/** The process-wide runtime metrics (see `RuntimeMetrics`). */
export const runtimeMetrics: RuntimeMetrics = (holder[KEY] ??= create());
