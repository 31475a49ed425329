/**
 * What an operator scrapes from a worker: outcomes, where the time went (queue wait,
 * inference), and how many jobs are running. Registered once per process on the telemetry
 * registry, served by the worker's /metrics endpoint.
 */
import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import { metricsRegistry } from '../telemetry/index.js';

export interface WorkerMetrics {
  jobStarted(): void;
  jobEnded(): void;
  finished(status: string, model: string, sampler: string, queueMs: number | undefined, inferenceMs: number | undefined): void;
}

const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

function single<T>(registry: Registry<RegistryContentType>, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createWorkerMetrics(registry: Registry<RegistryContentType> = metricsRegistry()): WorkerMetrics {
  const registers = [registry];
  const generations = single(registry, 'diffscope_generations', () =>
    new Counter({ name: 'diffscope_generations', help: 'Generations finished by this worker, by outcome', labelNames: ['status', 'model'] as const, registers }),
  );
  const queueWait = single(registry, 'diffscope_queue_wait_seconds', () =>
    new Histogram({ name: 'diffscope_queue_wait_seconds', help: 'Time from enqueue to the start of the successful attempt', labelNames: ['model'] as const, buckets: SECONDS_BUCKETS, registers }),
  );
  const inference = single(registry, 'diffscope_inference_seconds', () =>
    new Histogram({ name: 'diffscope_inference_seconds', help: 'Inference time of successful generations', labelNames: ['model', 'sampler'] as const, buckets: SECONDS_BUCKETS, registers }),
  );
  const inFlight = single(registry, 'diffscope_jobs_in_flight', () =>
    new Gauge({ name: 'diffscope_jobs_in_flight', help: 'Jobs this worker is running now', registers }),
  );
  return {
    jobStarted: () => inFlight.inc(),
    jobEnded: () => inFlight.dec(),
    finished(status, model, sampler, queueMs, inferenceMs) {
      generations.inc({ status, model });
      if (status !== 'succeeded') return;
      if (queueMs !== undefined) queueWait.observe({ model }, queueMs / 1000);
      if (inferenceMs !== undefined) inference.observe({ model, sampler }, inferenceMs / 1000);
    },
  };
}
