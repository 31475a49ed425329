/**
 * What every long-running service does first: a logger with the seed's fields, the prompt
 * hashing key, and shutdown wiring (hooks run in reverse order of registration, so resources
 * registered first — queue and store connections — close last).
 */
import { mkdirSync } from 'node:fs';
import type { Config } from '../../config/index.js';
import { createQueueBackend, type QueueBackend } from '../../queue/index.js';
import { createGenerationStore, type GenerationStore } from '../../state/index.js';
import { createObjectStore, type ObjectStore } from '../../storage/index.js';
import {
  configurePromptHashing,
  configureShutdown,
  createLogger,
  defaultInstanceId,
  onShutdown,
  serviceVersion,
  type Logger,
} from '../../telemetry/index.js';

export interface ServiceRuntime {
  logger: Logger;
  /** Close `resource` on shutdown, after everything registered later. */
  closeOnShutdown(name: string, close: () => Promise<void>): void;
}

export function startServiceRuntime(config: Config, service: string): ServiceRuntime {
  const logger = createLogger({
    service,
    instanceId: config.DIFFSCOPE_INSTANCE_ID ?? defaultInstanceId(),
    version: serviceVersion(),
    level: config.DIFFSCOPE_LOG_LEVEL,
  });
  configureShutdown({ graceMs: config.DIFFSCOPE_SHUTDOWN_GRACE_MS + 5_000, logger });
  configurePromptHashing(config.DIFFSCOPE_PROMPT_HASH_SECRET, logger);
  mkdirSync(config.DIFFSCOPE_DATA_DIR, { recursive: true });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled_rejection', { err: reason instanceof Error ? reason : new Error(String(reason)) });
  });
  return {
    logger,
    closeOnShutdown(name, close) {
      onShutdown(async () => {
        try {
          await close();
        } catch (err) {
          logger.warn('resource_close_failed', { resource: name, err: err instanceof Error ? err : new Error(String(err)) });
        }
      });
    },
  };
}

export interface SharedResources {
  queue: QueueBackend;
  store: GenerationStore;
  objectStore: ObjectStore;
}

/** The queue, the generation store and (when asked) the object store, each closed on shutdown. */
export async function openSharedResources(config: Config, runtime: ServiceRuntime, options: { objectStore: false }): Promise<Omit<SharedResources, 'objectStore'>>;
export async function openSharedResources(config: Config, runtime: ServiceRuntime, options?: { objectStore: true }): Promise<SharedResources>;
export async function openSharedResources(config: Config, runtime: ServiceRuntime, options = { objectStore: true }): Promise<Partial<SharedResources>> {
  const queue = await createQueueBackend(config);
  runtime.closeOnShutdown('queue', () => queue.close());
  const store = await createGenerationStore(config);
  runtime.closeOnShutdown('state', () => store.close());
  if (!options.objectStore) return { queue, store };
  const objectStore = createObjectStore(config);
  runtime.closeOnShutdown('storage', () => objectStore.close());
  return { queue, store, objectStore };
}
