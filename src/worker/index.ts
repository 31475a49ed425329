export { startWorker } from './start-worker.js';
export type { WorkerDeps, WorkerHandle } from './worker-deps.js';
export { GenerationProcessor, type GenerationProcessorOptions } from './generation-processor.js';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './metrics-server.js';
