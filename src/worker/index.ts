export { startWorker } from './start-worker.js';
export type { WorkerDeps, WorkerHandle } from './worker-deps.js';
export { GenerationProcessor, type GenerationProcessorOptions } from './generation-processor.js';
export { readiness, startMetricsServer, type MetricsServer, type MetricsServerOptions, type ReadinessCheck } from './metrics-server.js';
export { defaultModelLoaded, sharedResourceChecks, workerReadiness } from './readiness-checks.js';
