/**
 * Published on `<DIFFSCOPE_QUEUE_NAME>-completions` (same backend as the generation queue)
 * when a generation reaches a terminal status, with the trace context in the message
 * headers. Small on purpose: the notifier reads the rest (webhook, outputs, timings) from
 * the shared generation store, which stays the one source of truth.
 */
import type { Config } from '../config/index.js';

export type CompletionStatus = 'succeeded' | 'failed' | 'canceled';

export interface CompletionEvent {
  id: string;
  status: CompletionStatus;
  /** ms since epoch */
  finishedAt: number;
}

export function completionQueueName(config: Config): string {
  return `${config.DIFFSCOPE_QUEUE_NAME}-completions`;
}

/** Webhook outcome events a client may subscribe to (default: all of them). */
export const WEBHOOK_EVENTS = ['succeeded', 'failed', 'canceled'] as const;
