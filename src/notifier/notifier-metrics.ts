/**
 * The notifier's series: the latency of each webhook attempt (with a `trace_id` exemplar of the
 * generation's trace, where its `notify.webhook` span is) and how each webhook ended.
 */
import { Counter, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import { metricsRegistry, observeWithExemplar, registeredMetric, type TraceExemplar } from '../telemetry/index.js';

/** How one webhook ended: answered 2xx, gave up (a final answer or the last attempt), or its URL was refused. */
export type WebhookOutcome = 'delivered' | 'failed' | 'refused';

export interface NotifierMetrics {
  /** One attempt's duration; `ok` when it got a 2xx answer. */
  attempt(ok: boolean, seconds: number, exemplar: TraceExemplar | undefined): void;
  webhook(outcome: WebhookOutcome): void;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createNotifierMetrics(registry: Registry<RegistryContentType> = metricsRegistry()): NotifierMetrics {
  const registers = [registry];
  const attempts = registeredMetric(
    registry,
    'diffscope_webhook_delivery_seconds',
    () =>
      new Histogram({
        name: 'diffscope_webhook_delivery_seconds',
        help: 'Duration of one webhook attempt (connect, send, answer), by result',
        labelNames: ['result'] as const,
        buckets: BUCKETS,
        enableExemplars: true,
        registers,
      }),
  );
  const webhooks = registeredMetric(
    registry,
    'diffscope_webhooks_total',
    () =>
      new Counter({
        name: 'diffscope_webhooks_total',
        help: 'Webhooks by how they ended: delivered, failed (gave up) or refused (URL not allowed)',
        labelNames: ['outcome'] as const,
        registers,
      }),
  );
  for (const outcome of ['delivered', 'failed', 'refused'] as const) webhooks.inc({ outcome }, 0);
  return {
    attempt: (ok, seconds, exemplar) => observeWithExemplar(attempts, { result: ok ? 'success' : 'error' }, seconds, exemplar),
    webhook: (outcome) => webhooks.inc({ outcome }),
  };
}
