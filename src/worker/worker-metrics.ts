/**
 * What an operator scrapes from a worker: outcomes, where the time went (queue wait,
 * inference, each sampling step, model loads), model cache hits, and how many jobs are
 * running. Registered once per process on the telemetry registry, served by the worker's
 * /metrics endpoint. Every latency histogram carries a `trace_id` exemplar of a sampled
 * generation, so a slow bucket in Grafana opens that generation's trace.
 */
import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import { metricsRegistry, observeWithExemplar, registeredMetric, traceExemplar, type TraceExemplar } from '../telemetry/index.js';

export interface WorkerMetrics {
  jobStarted(): void;
  jobEnded(): void;
  /** Called inside the generation's trace context (the lifecycle's complete()): the exemplar comes from it. */
  finished(status: string, model: string, sampler: string, queueMs: number | undefined, inferenceMs: number | undefined): void;
  /** One sampling step (from the pipeline's progress callback, outside the job's context: the exemplar is passed). */
  step(model: string, sampler: string, stepMs: number, exemplar: TraceExemplar | undefined): void;
  /** The model a run used: a cache hit, or a load that took `loadMs`. */
  modelUsed(model: string, coldStart: boolean, loadMs: number, exemplar: TraceExemplar | undefined): void;
}

const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const STEP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createWorkerMetrics(registry: Registry<RegistryContentType> = metricsRegistry()): WorkerMetrics {
  const registers = [registry];
  const generations = registeredMetric(
    registry,
    'diffscope_generations',
    () =>
      new Counter({
        name: 'diffscope_generations',
        help: 'Generations finished by this worker, by outcome',
        labelNames: ['status', 'model'] as const,
        registers,
      }),
  );
  const enableExemplars = true;
  const queueWait = registeredMetric(
    registry,
    'diffscope_queue_wait_seconds',
    () =>
      new Histogram({
        name: 'diffscope_queue_wait_seconds',
        help: 'Time from enqueue to the start of the successful attempt',
        labelNames: ['model'] as const,
        buckets: SECONDS_BUCKETS,
        enableExemplars,
        registers,
      }),
  );
  const inference = registeredMetric(
    registry,
    'diffscope_inference_seconds',
    () =>
      new Histogram({
        name: 'diffscope_inference_seconds',
        help: 'Inference time of successful generations',
        labelNames: ['model', 'sampler'] as const,
        buckets: SECONDS_BUCKETS,
        enableExemplars,
        registers,
      }),
  );
  const steps = registeredMetric(
    registry,
    'diffscope_step_seconds',
    () =>
      new Histogram({
        name: 'diffscope_step_seconds',
        help: 'Duration of one sampling step (UNet call(s) and scheduler update)',
        labelNames: ['model', 'sampler'] as const,
        buckets: STEP_BUCKETS,
        enableExemplars,
        registers,
      }),
  );
  const modelLoad = registeredMetric(
    registry,
    'diffscope_model_load_seconds',
    () =>
      new Histogram({
        name: 'diffscope_model_load_seconds',
        help: 'Model loads on a cache miss: reading the files and creating the ONNX Runtime sessions',
        labelNames: ['model'] as const,
        buckets: SECONDS_BUCKETS,
        enableExemplars,
        registers,
      }),
  );
  const cache = registeredMetric(
    registry,
    'diffscope_model_cache_requests_total',
    () =>
      new Counter({
        name: 'diffscope_model_cache_requests_total',
        help: 'Runs that found their model loaded (result="hit") or had to load it ("miss")',
        labelNames: ['model', 'result'] as const,
        registers,
      }),
  );
  const inFlight = registeredMetric(
    registry,
    'diffscope_jobs_in_flight',
    () => new Gauge({ name: 'diffscope_jobs_in_flight', help: 'Jobs this worker is running now', registers }),
  );
  return {
    jobStarted: () => inFlight.inc(),
    jobEnded: () => inFlight.dec(),
    finished(status, model, sampler, queueMs, inferenceMs) {
      generations.inc({ status, model });
      if (status !== 'succeeded') return;
      const exemplar = traceExemplar();
      if (queueMs !== undefined) observeWithExemplar(queueWait, { model }, queueMs / 1000, exemplar);
      if (inferenceMs !== undefined) observeWithExemplar(inference, { model, sampler }, inferenceMs / 1000, exemplar);
    },
    step(model, sampler, stepMs, exemplar) {
      observeWithExemplar(steps, { model, sampler }, stepMs / 1000, exemplar);
    },
    modelUsed(model, coldStart, loadMs, exemplar) {
      cache.inc({ model, result: coldStart ? 'miss' : 'hit' });
      if (coldStart) observeWithExemplar(modelLoad, { model }, loadMs / 1000, exemplar);
    },
  };
}

/** What the GPU gauges read on each scrape (src/inference's nvidia-smi reader, or a test's). */
export interface GpuReadings {
  queryGpus(): Promise<{ index: number; name: string; memoryUsedMb: number; memoryTotalMb: number; utilizationPct: number }[] | undefined>;
  processGpuMemoryMb(): Promise<number | undefined>;
}

const MIB = 1024 * 1024;

/**
 * GPU gauges, filled at scrape time from nvidia-smi: the worker's own GPU memory, and the
 * memory and utilisation of the GPU it was given (DIFFSCOPE_GPU_INDEX). Nothing is exported
 * when nvidia-smi cannot be asked (a CPU worker has no GPU series at all).
 */
export function registerGpuMetrics(
  gpuIndex: number,
  readings: GpuReadings,
  registry: Registry<RegistryContentType> = metricsRegistry(),
): void {
  const registers = [registry];
  const labelNames = ['gpu', 'name'] as const;
  registeredMetric(
    registry,
    'diffscope_gpu_process_memory_bytes',
    () =>
      new Gauge({
        name: 'diffscope_gpu_process_memory_bytes',
        help: 'GPU memory held by this worker process (nvidia-smi --query-compute-apps)',
        // Labelled so that nothing (not a made-up 0) is exported until nvidia-smi has answered.
        labelNames: ['pid'] as const,
        registers,
        async collect() {
          const mb = await readings.processGpuMemoryMb();
          if (mb !== undefined) this.set({ pid: String(process.pid) }, mb * MIB);
        },
      }),
  );
  // The three per-GPU gauges are collected concurrently on a scrape; they share one nvidia-smi call.
  type Gpu = NonNullable<Awaited<ReturnType<GpuReadings['queryGpus']>>>[number];
  let inflight: Promise<Gpu | undefined> | undefined;
  const read = (): Promise<Gpu | undefined> =>
    (inflight ??= readings
      .queryGpus()
      .then((gpus) => gpus?.find((g) => g.index === gpuIndex))
      .finally(() => setImmediate(() => (inflight = undefined))));
  const perGpu = (name: string, help: string, value: (gpu: Gpu) => number) =>
    registeredMetric(
      registry,
      name,
      () =>
        new Gauge({
          name,
          help,
          labelNames,
          registers,
          async collect() {
            const gpu = await read();
            if (gpu) this.set({ gpu: String(gpu.index), name: gpu.name }, value(gpu));
          },
        }),
    );
  perGpu('diffscope_gpu_memory_used_bytes', "GPU memory in use on the worker's GPU (all processes)", (g) => g.memoryUsedMb * MIB);
  perGpu('diffscope_gpu_memory_total_bytes', "GPU memory of the worker's GPU", (g) => g.memoryTotalMb * MIB);
  perGpu(
    'diffscope_gpu_utilization_ratio',
    "Utilisation of the worker's GPU over nvidia-smi's last sample period (0-1)",
    (g) => g.utilizationPct / 100,
  );
}
