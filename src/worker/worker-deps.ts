import type { Config } from '../config/index.js';
import type { InferencePipeline } from '../inference/types.js';
import type { QueueBackend } from '../queue/index.js';
import type { GenerationStore } from '../generation/index.js';
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
}

export interface WorkerHandle {
  /**
   * Stop taking jobs. Running jobs get up to `graceMs` (default DIFFSCOPE_SHUTDOWN_GRACE_MS
   * minus a flush margin) to finish; the rest are aborted and handed back to the queue.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}
