import path from 'node:path';
import type { Config } from '../config/index.js';
import type { ConsumerOptions, QueueBackend } from './queue-backend.js';
import { SqliteQueueBackend } from './sqlite-queue.js';

export interface CreateQueueBackendOptions {
  /** Default visibility timeout for consumers (SQLite lease, BullMQ lock); default DIFFSCOPE_QUEUE_LEASE_MS. */
  leaseMs?: number;
  /** SQLite only: the queue file; default `<DIFFSCOPE_DATA_DIR>/queue.sqlite`. */
  sqliteFile?: string;
  /** Redis only: key prefix (BullMQ `prefix`), default `diffscope`. */
  redisPrefix?: string;
  /** RabbitMQ only: the broker connection dropped (the backend reconnects and resumes consumers by itself). */
  onConnectionLost?: (error: Error) => void;
  onReconnected?: () => void;
}

/** Picks the implementation named by `DIFFSCOPE_QUEUE`; network backends connect before returning. */
export async function createQueueBackend(config: Config, options: CreateQueueBackendOptions = {}): Promise<QueueBackend> {
  switch (config.DIFFSCOPE_QUEUE) {
    case 'sqlite':
      return new SqliteQueueBackend({
        file: options.sqliteFile ?? path.join(config.DIFFSCOPE_DATA_DIR, 'queue.sqlite'),
        leaseMs: options.leaseMs ?? config.DIFFSCOPE_QUEUE_LEASE_MS,
        lockWaitMs: config.DIFFSCOPE_SQLITE_LOCK_WAIT_MS,
      });
    case 'redis': {
      const { RedisQueueBackend } = await import('./redis-queue.js');
      return RedisQueueBackend.connect({
        url: config.DIFFSCOPE_REDIS_URL,
        prefix: options.redisPrefix,
        leaseMs: options.leaseMs ?? config.DIFFSCOPE_QUEUE_LEASE_MS,
        commandTimeoutMs: config.DIFFSCOPE_REDIS_COMMAND_TIMEOUT_MS,
      });
    }
    case 'rabbitmq': {
      const { RabbitQueueBackend } = await import('./rabbitmq-queue.js');
      return RabbitQueueBackend.connect({
        url: config.DIFFSCOPE_AMQP_URL,
        onConnectionLost: options.onConnectionLost,
        onReconnected: options.onReconnected,
      });
    }
  }
}

/** The retry policy of `DIFFSCOPE_QUEUE_*`, for consumers. */
export function consumerOptionsFromConfig(config: Config, concurrency: number): ConsumerOptions {
  return {
    concurrency,
    maxAttempts: config.DIFFSCOPE_QUEUE_MAX_ATTEMPTS,
    backoffMs: config.DIFFSCOPE_QUEUE_BACKOFF_MS,
    maxBackoffMs: config.DIFFSCOPE_QUEUE_MAX_BACKOFF_MS,
  };
}
