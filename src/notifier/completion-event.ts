/**
 * Where completion events travel. The event itself (what a finished generation publishes for
 * the notifier) is defined with the lifecycle that publishes it, in src/generation.
 */
import type { Config } from '../config/index.js';

export type { CompletionEvent, CompletionStatus } from '../generation/index.js';

export function completionQueueName(config: Config): string {
  return `${config.DIFFSCOPE_QUEUE_NAME}-completions`;
}

/** What `webhook.events` may list, and what a webhook without it gets (src/generation/webhook-events.ts). */
export { WEBHOOK_EVENT_FILTERS as WEBHOOK_EVENTS, DEFAULT_WEBHOOK_EVENTS } from '../generation/index.js';
