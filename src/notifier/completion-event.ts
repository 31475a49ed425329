/**
 * Where completion events travel. The event itself (what a finished generation publishes for
 * the notifier) is defined with the lifecycle that publishes it, in src/generation.
 */
import type { Config } from '../config/index.js';

export type { CompletionEvent, CompletionStatus } from '../generation/index.js';

export function completionQueueName(config: Config): string {
  return `${config.DIFFSCOPE_QUEUE_NAME}-completions`;
}

/** Webhook outcome events a client may subscribe to (default: all of them). */
export const WEBHOOK_EVENTS = ['succeeded', 'failed', 'canceled'] as const;
