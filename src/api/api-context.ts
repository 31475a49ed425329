import type { Config } from '../config/index.js';
import type { QueueWatch } from '../generation/index.js';
import type { ConcurrencySlots } from '../http/index.js';
import type { ModelInfo } from '../inference/types.js';
import type { GenerationStore } from '../state/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import type { GenerationService } from './generation-service.js';
import type { HttpMetrics } from './http-metrics.js';
import type { QueueBackend } from '../queue/index.js';

/** What the route plugins share (built once by buildApiServer). */
export interface ApiContext {
  config: Config;
  logger: Logger;
  store: GenerationStore;
  queue: QueueBackend;
  queueName: string;
  objectStore?: ObjectStore;
  models: () => readonly ModelInfo[];
  service: GenerationService;
  metrics: HttpMetrics;
  /** Queued generations' `position` and `eta_ms` (GET and SSE). */
  queuePlaces: QueueWatch;
  sseHeartbeatMs: number;
  syncPollMs: number;
  /** Open SSE streams, per client and in all (DIFFSCOPE_SSE_MAX_STREAMS*). */
  streams: ConcurrencySlots;
}
