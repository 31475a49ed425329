import type { ConsumerOptions } from './queue-backend.js';

/**
 * Delay before the retry that follows failed attempt `failedAttempt` (1-based):
 * `backoffMs * 2^(failedAttempt-1)`, capped at `maxBackoffMs`. Deterministic (no jitter) so
 * RabbitMQ can keep one delay queue per distinct delay.
 */
export function retryDelayMs(failedAttempt: number, options: Pick<ConsumerOptions, 'backoffMs' | 'maxBackoffMs'>): number {
  const exponent = Math.max(0, Math.min(failedAttempt - 1, 30));
  return Math.min(options.backoffMs * 2 ** exponent, options.maxBackoffMs);
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** The error a message is dead-lettered with when its earlier deliveries all died with their consumers. */
export function lostDeliveriesError(lost: number, lastError?: string | null): Error {
  return new Error(
    `delivered ${lost} time${lost === 1 ? '' : 's'} without completing (consumer died)${lastError ? `; last error: ${lastError}` : ''}`,
  );
}
