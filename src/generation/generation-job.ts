/**
 * The message the api-server publishes on the generation queue and the worker consumes.
 * The raw prompt travels only here (and in the worker's memory): never in the store,
 * logs or spans.
 */
import type { Config } from '../config/index.js';
import type { GenerationParams } from './generation-record.js';

export interface GenerationJob {
  id: string;
  clientId: string;
  prompt: string;
  negativePrompt?: string;
  params: GenerationParams;
  /** ms since epoch, when the api-server accepted the request. */
  createdAt: number;
}

/** The generation queue (`DIFFSCOPE_QUEUE_NAME`). */
export function generationQueueName(config: Config): string {
  return config.DIFFSCOPE_QUEUE_NAME;
}
