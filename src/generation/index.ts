/**
 * A generation as one concept: its record, job and parameters, the lifecycle state machine,
 * the storage contract the stores in src/state implement, and the one `complete()` every
 * terminal path goes through.
 */
export {
  ACTIVE_STATUSES,
  GENERATION_STATUSES,
  TERMINAL_STATUSES,
  canMove,
  isTerminal,
  moves,
  type ActiveStatus,
  type GenerationStatus,
  type Move,
  type TerminalStatus,
} from './lifecycle.js';
export type {
  GenerationEvent,
  GenerationEventType,
  GenerationParams,
  GenerationRecord,
  PublicError,
  RecordPatch,
  WebhookSpec,
} from './generation-record.js';
export type {
  ActiveListOptions,
  Admission,
  AdmissionQuota,
  FinishedListOptions,
  GenerationStore,
  QuotaScope,
  TransitionEffects,
} from './generation-store.js';
export { deadLetteredJob, generationQueueName, type DeadLetteredJob, type GenerationJob } from './generation-job.js';
export { estimateQueuePlaces, type QueueEstimateOptions, type QueuePlace } from './queue-position.js';
export { QueueWatch, type QueueWatchOptions } from './queue-watch.js';
export { byQueueOrder, type FinishedRun, type QueuedEntry, type QueueSnapshot, type QueueSnapshotOptions } from './queue-snapshot.js';
export type { CompletionEvent, CompletionStatus } from './completion-event.js';
export { CompletionPublisher, type CompletionPublisherOptions } from './completion-publisher.js';
export { CANCELED_BY_CLIENT, ENQUEUE_FAILED, deadLetteredError, generationLostError, toPublicError } from './public-errors.js';
export { Reconciler, type ReconcilePass, type ReconcilerOptions } from './reconciler.js';
export { DEFAULT_STATE_WRITE_RETRY, retryStateWrite, type StateWriteRetryOptions } from './state-write-retry.js';
export {
  GenerationLifecycle,
  type CompleteInput,
  type GenerationLifecycleOptions,
  type GenerationOutcomeMetrics,
  type InferenceOutcome,
  type InterimNotice,
  type RunStart,
} from './generation-lifecycle.js';
export {
  DEFAULT_WEBHOOK_EVENTS,
  INTERIM_WEBHOOK_EVENTS,
  PROGRESS_WEBHOOK_INTERVAL_MS,
  WEBHOOK_EVENT_FILTERS,
  isInterimWebhookEvent,
  normalizeWebhookEvents,
  webhookMessageId,
  webhookWants,
  type InterimWebhookEvent,
  type InterimWebhookType,
  type WebhookEventFilter,
} from './webhook-events.js';
export {
  RetentionSweeper,
  removeFinishedGeneration,
  type GenerationRemoval,
  type RetentionPass,
  type RetentionSweeperOptions,
} from './retention.js';
