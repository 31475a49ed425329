import type { ConsumerOptions } from './queue-backend.js';

/**
 * Delay before the retry that follows failed attempt `failedAttempt` (1-based; deliveries lost
 * with their consumer count too): `backoffMs * 2^(failedAttempt-1)`, capped at `maxBackoffMs`.
 * Deterministic (no jitter) so RabbitMQ can keep one delay queue per distinct delay.
 */
export function retryDelayMs(failedAttempt: number, options: Pick<ConsumerOptions, 'backoffMs' | 'maxBackoffMs'>): number {
  const exponent = Math.max(0, Math.min(failedAttempt - 1, 30));
  return Math.min(options.backoffMs * 2 ** exponent, options.maxBackoffMs);
}
