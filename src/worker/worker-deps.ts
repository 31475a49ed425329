import type { Config } from '../config/index.js';
import type { InferencePipeline } from '../inference/types.js';
import type { QueueBackend } from '../queue/index.js';
import type { GenerationStore, StateWriteRetryOptions } from '../generation/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  queue: QueueBackend;
  store: GenerationStore;
  objectStore: ObjectStore;
  /** The real pipeline (src/inference createInferencePipeline). */
  pipeline: InferencePipeline;
  /** Default DIFFSCOPE_WORKER_CONCURRENCY. */
  concurrency?: number;
  /** How often a running job re-reads its record for a cancel request (default 200 ms). */
  cancelPollMs?: number;
  /** How a dead-lettered job's failed status is retried into the store (default DEFAULT_STATE_WRITE_RETRY). */
  deadLetterRetry?: Omit<StateWriteRetryOptions, 'onRetry'>;
}

export interface WorkerHandle {
  /**
   * Stop taking jobs. Running jobs get up to `graceMs` (default DIFFSCOPE_SHUTDOWN_GRACE_MS
   * minus a flush margin) to finish; the rest are aborted and handed back to the queue.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Settles when the default model's preload (model-preload.ts) is over, at once when there is none; never rejects. */
  readonly preloaded: Promise<void>;
}
