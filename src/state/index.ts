/**
 * The GenerationStore implementations (src/generation/generation-store.ts is the contract):
 * SQLite, PostgreSQL and Redis, and the factory that picks one from the configuration.
 */
export { createGenerationStore, type CreateGenerationStoreOptions } from './create-generation-store.js';
export { SqliteGenerationStore, type SqliteGenerationStoreOptions } from './sqlite-generation-store.js';
export { DuplicateGenerationError, MissingGenerationError } from './record-patch.js';
// Re-exported for the store's users that need nothing else of src/generation.
export {
  TERMINAL_STATUSES,
  isTerminal,
  type GenerationEvent,
  type GenerationEventType,
  type GenerationRecord,
  type GenerationStatus,
  type GenerationStore,
  type WebhookSpec,
} from '../generation/index.js';
