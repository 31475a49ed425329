/**
 * Published on `<DIFFSCOPE_QUEUE_NAME>-completions` (same backend as the generation queue)
 * when a generation reaches a terminal status, with the trace context in the message
 * headers. Small on purpose: the notifier reads the rest (webhook, outputs, timings) from
 * the shared generation store, which stays the one source of truth.
 */
import type { TerminalStatus } from './lifecycle.js';

export type CompletionStatus = TerminalStatus;

export interface CompletionEvent {
  id: string;
  status: CompletionStatus;
  /** ms since epoch */
  finishedAt: number;
}
