/**
 * What /readyz checks on the services without an API of their own (served by
 * metrics-server.ts): the queue and the state store answer, and for a worker, its default model
 * (DIFFSCOPE_DEFAULT_MODEL) is loaded: a worker that still has to load it would make its
 * first generation wait for the load.
 */
import type { Config } from '../config/index.js';
import type { GenerationStore } from '../generation/index.js';
import type { QueueBackend } from '../queue/index.js';
import type { ReadinessCheck } from './metrics-server.js';

/** The queue named `queueName` and the store answer (the same probes as the api-server's /readyz). */
export function sharedResourceChecks(queue: QueueBackend, queueName: string, store: GenerationStore): Record<string, ReadinessCheck> {
  return {
    queue: () => queue.depth(queueName),
    store: () => store.get('readyz_probe'),
  };
}

/** Loaded model keys are `id@version` (src/inference/model-cache.ts). */
export function defaultModelLoaded(pipeline: { loadedModels(): string[] }, modelId: string): ReadinessCheck {
  return () => {
    if (!pipeline.loadedModels().some((key) => key.startsWith(`${modelId}@`)))
      throw new Error(`default model ${modelId} is not loaded yet`);
  };
}

export function workerReadiness(
  config: Config,
  queue: QueueBackend,
  store: GenerationStore,
  pipeline: { loadedModels(): string[] },
): Record<string, ReadinessCheck> {
  return {
    model: defaultModelLoaded(pipeline, config.DIFFSCOPE_DEFAULT_MODEL),
    ...sharedResourceChecks(queue, config.DIFFSCOPE_QUEUE_NAME, store),
  };
}
