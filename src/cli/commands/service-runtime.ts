/**
 * What every long-running service does first: a logger with the service's fields, the prompt
 * hashing key, and its lifecycle (src/cli/service-lifecycle.ts: SIGTERM/SIGINT run the hooks in
 * reverse order of registration, so resources registered first — queue and store connections —
 * close last, then telemetry is flushed and the process exits).
 */
import { mkdirSync } from 'node:fs';
import type { Config } from '../../config/index.js';
import { createQueueBackend, type QueueBackend } from '../../queue/index.js';
import { createGenerationStore, type GenerationStore } from '../../state/index.js';
import { createObjectStore, type ObjectStore } from '../../storage/index.js';
import { configurePromptHashing, createLogger, defaultInstanceId, serviceVersion, type Logger } from '../../telemetry/index.js';
import { ServiceLifecycle, type ShutdownHook } from '../service-lifecycle.js';

export interface ServiceRuntime {
  logger: Logger;
  /** Run `hook` on shutdown, before everything registered earlier; a throw is logged. */
  onShutdown(hook: ShutdownHook): void;
  /** Close `resource` on shutdown, after everything registered later; a failure is a WARN line. */
  closeOnShutdown(name: string, close: () => Promise<void>): void;
}

export function startServiceRuntime(config: Config, service: string): ServiceRuntime {
  const logger = createLogger({
    service,
    instanceId: config.DIFFSCOPE_INSTANCE_ID ?? defaultInstanceId(),
    version: serviceVersion(),
    level: config.DIFFSCOPE_LOG_LEVEL,
    format: config.DIFFSCOPE_LOG_FORMAT,
    gcpProjectId: config.DIFFSCOPE_GCP_PROJECT_ID,
  });
  // The services' own drains get DIFFSCOPE_SHUTDOWN_GRACE_MS; the margin is for closing and flushing.
  const lifecycle = new ServiceLifecycle({ graceMs: config.DIFFSCOPE_SHUTDOWN_GRACE_MS + 5_000, logger });
  lifecycle.installSignalHandlers();
  configurePromptHashing(config.DIFFSCOPE_PROMPT_HASH_SECRET, logger);
  mkdirSync(config.DIFFSCOPE_DATA_DIR, { recursive: true });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled_rejection', { err: reason instanceof Error ? reason : new Error(String(reason)) });
  });
  return {
    logger,
    onShutdown: (hook) => lifecycle.onShutdown(hook),
    closeOnShutdown(name, close) {
      lifecycle.onShutdown(async () => {
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
export async function openSharedResources(
  config: Config,
  runtime: ServiceRuntime,
  options: { objectStore: false },
): Promise<Omit<SharedResources, 'objectStore'>>;
export async function openSharedResources(
  config: Config,
  runtime: ServiceRuntime,
  options?: { objectStore: true },
): Promise<SharedResources>;
export async function openSharedResources(
  config: Config,
  runtime: ServiceRuntime,
  options = { objectStore: true },
): Promise<Partial<SharedResources>> {
  const queue = await createQueueBackend(config);
  runtime.closeOnShutdown('queue', () => queue.close());
  const store = await createGenerationStore(config);
  runtime.closeOnShutdown('state', () => store.close());
  if (!options.objectStore) return { queue, store };
  const objectStore = createObjectStore(config);
  runtime.closeOnShutdown('storage', () => objectStore.close());
  return { queue, store, objectStore };
}
