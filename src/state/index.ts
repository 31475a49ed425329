export {
  TERMINAL_STATUSES,
  type GenerationEvent,
  type GenerationEventType,
  type GenerationRecord,
  type GenerationStatus,
  type GenerationStore,
  type WebhookSpec,
} from './generation-store.js';
export { createGenerationStore, type CreateGenerationStoreOptions } from './create-generation-store.js';
export { SqliteGenerationStore, type SqliteGenerationStoreOptions } from './sqlite-generation-store.js';
export { DuplicateGenerationError, MissingGenerationError, isTerminal } from './record-patch.js';
