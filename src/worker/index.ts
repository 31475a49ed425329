export { startWorker } from './start-worker.js';
export type { WorkerDeps, WorkerHandle } from './worker-deps.js';
export { GenerationProcessor, type GenerationProcessorOptions } from './generation-processor.js';
