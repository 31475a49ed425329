import type { Config } from '../config/index.js';
import type { ModelInfo } from '../inference/types.js';
import type { QueueBackend, QueueProducer } from '../queue/index.js';
import type { GenerationStore } from '../state/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';

/** What `buildApiServer` needs; the CLI builds these from the configuration. */
export interface ApiServerDeps {
  config: Config;
  logger: Logger;
  /** Backend of the generation queue: depth (backpressure, /readyz) and the completions queue. */
  queue: QueueBackend;
  /** Producer on the generation queue; made from `queue` when absent. */
  producer?: QueueProducer;
  store: GenerationStore;
  /**
   * Needed for `GET …/images/{k}` and `response_format: b64_json`; without it those answer 404
   * and `DELETE /v1/generations/{id}` removes the record and events only.
   */
  objectStore?: ObjectStore;
  /** Models requests may name (validation of `model`, `width`, `height`). A function is re-read per request. */
  models: readonly ModelInfo[] | (() => readonly ModelInfo[]);
  /** SSE heartbeat interval (default 15 s). */
  sseHeartbeatMs?: number;
  /** How often a waiting sync request re-reads the record besides the live subscription (default 1 s). */
  syncPollMs?: number;
  /** How often queue places are re-read from the store for status reads and event streams (default 1 s). */
  queuePlaceRefreshMs?: number;
}
