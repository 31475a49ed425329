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

/**
 * What a dead-lettered job keeps (dead letters are kept for operators): everything but the
 * prompts, which become their keyed hashes (`promptHash` equals the record's).
 */
export interface DeadLetteredJob extends Omit<GenerationJob, 'prompt' | 'negativePrompt'> {
  promptHash: string;
  negativePromptHash?: string;
}

/** `hash` is the deployment's prompt hash (src/telemetry promptHash). */
export function deadLetteredJob(job: GenerationJob, hash: (text: string) => string): DeadLetteredJob {
  const { prompt, negativePrompt, ...rest } = job;
  return {
    ...rest,
    promptHash: hash(typeof prompt === 'string' ? prompt : ''),
    ...(typeof negativePrompt === 'string' ? { negativePromptHash: hash(negativePrompt) } : {}),
  };
}

/** The generation queue (`DIFFSCOPE_QUEUE_NAME`). */
export function generationQueueName(config: Config): string {
  return config.DIFFSCOPE_QUEUE_NAME;
}
