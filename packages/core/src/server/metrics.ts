import type { BulkStatus } from '../bulk/bulk-predict.js';
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import { RequestLatencyHistogram } from './request-latency.js';

/**
 * Prometheus metrics for one server (its own registry, so several servers in one process don't mix).
 * Served at `GET /metrics` to clients that ask for text (Prometheus does), while plain `GET /metrics`
 * keeps answering `{}` like the Python server.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly latency: RequestLatencyHistogram;
  readonly predictions: Counter<'model_version'>;
  readonly validationWarnings: Counter;
  readonly rejected: Counter<'reason'>;
  readonly predictInFlight: Gauge;
  readonly predictQueued: Gauge;
  readonly trainingJobs: Gauge<'status'>;
  readonly ready: Gauge;
  /** Bulk prediction progress (present when the server has a queue to read it from). */
  readonly bulkTasks: Gauge<'job' | 'state'> | undefined;
  /** Bulk prediction rate per job. */
  readonly bulkRate: Gauge<'job'> | undefined;

  // prom-client's inc() hashes its label set on every call (it showed in profiles): requests are
  // counted in plain numbers per route → method → status and handed to the counter when scraped.
  private readonly requestCounts = new Map<string, Map<string, Map<number, number>>>();
  // Label lookups (hashing the label set) on every prediction: keep the children.
  private readonly predictionChildren = new Map<string, { inc(n: number): void }>();

  /** Count one answered request and its latency. `route` is a known route or `other`. */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    let byMethod = this.requestCounts.get(route);
    if (!byMethod) this.requestCounts.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.latency.observe(route, method, seconds);
  }

  /** Move the request counts into the prom-client counter (at scrape time). */
  private flushRequestCounts(): void {
    for (const [route, byMethod] of this.requestCounts) {
      for (const [method, byStatus] of byMethod) {
        for (const [status, n] of byStatus) if (n > 0) this.requests.labels(route, method, String(status)).inc(n);
        byStatus.clear();
      }
    }
  }

  /** Count predictions returned with `version`. */
  countPredictions(version: string, n: number): void {
    let counter = this.predictionChildren.get(version);
    if (!counter) {
      // Versions only grow over a process's life; a bounded map keeps a pathological model from leaking.
      if (this.predictionChildren.size > 1000) this.predictionChildren.clear();
      counter = this.predictions.labels(version);
      this.predictionChildren.set(version, counter);
    }
    counter.inc(n);
  }

  constructor(collect: { admission: () => { inFlight: number; queued: number }; jobs: () => Promise<Record<string, number>>; ready: () => boolean; bulk?: () => Promise<BulkStatus[]> }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'lsml_' });
    const flushRequestCounts = () => this.flushRequestCounts();
    this.requests = new Counter({
      name: 'lsml_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
      collect: flushRequestCounts,
    });
    this.latency = new RequestLatencyHistogram('lsml_http_request_duration_seconds', 'HTTP request latency by route', [
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 100,
    ]);
    // The registry only calls get() (and reset()): the shape of prom-client's metrics, not its class.
    this.registry.registerMetric(this.latency as unknown as Metric);
    this.predictions = new Counter({ name: 'lsml_predictions_total', help: 'Predictions returned, by model version', labelNames: ['model_version'], registers });
    this.validationWarnings = new Counter({ name: 'lsml_prediction_validation_failures_total', help: 'Predictions that failed validatePrediction', registers });
    this.rejected = new Counter({ name: 'lsml_predict_rejected_total', help: 'Predict requests turned away (overload, timeout)', labelNames: ['reason'], registers });
    this.predictInFlight = new Gauge({
      name: 'lsml_predict_in_flight',
      help: 'Predictions running now',
      registers,
      collect() {
        this.set(collect.admission().inFlight);
      },
    });
    this.predictQueued = new Gauge({
      name: 'lsml_predict_queue_depth',
      help: 'Predictions waiting for a slot',
      registers,
      collect() {
        this.set(collect.admission().queued);
      },
    });
    this.trainingJobs = new Gauge({
      name: 'lsml_training_jobs',
      help: 'Training jobs by status',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await collect.jobs();
        for (const status of ['queued', 'started', 'finished', 'failed']) this.set({ status }, counts[status] ?? 0);
      },
    });
    if (collect.bulk) {
      const bulk = collect.bulk;
      // Bulk prediction progress per job (done/total/failed tasks and the rate), read from the queue on scrape.
      this.bulkTasks = new Gauge({
        name: 'lsml_bulk_predict_tasks',
        help: 'Bulk prediction jobs: tasks by state (done, total, written, skipped, failed; deduplicated: duplicate predictions removed)',
        labelNames: ['job', 'state'],
        registers,
        async collect() {
          this.reset();
          for (const s of await bulk()) {
            for (const state of ['done', 'total', 'written', 'skipped', 'failed', 'deduplicated'] as const) this.set({ job: s.job, state }, s[state]);
          }
        },
      });
      this.bulkRate = new Gauge({
        name: 'lsml_bulk_predict_tasks_per_second',
        help: 'Bulk prediction jobs: tasks per second since the job started',
        labelNames: ['job'],
        registers,
        async collect() {
          this.reset();
          for (const s of await bulk()) this.set({ job: s.job }, s.rate);
        },
      });
    }
    this.ready = new Gauge({
      name: 'lsml_ready',
      help: '1 when the server is ready for traffic',
      registers,
      collect() {
        this.set(collect.ready() ? 1 : 0);
      },
    });
  }
}
