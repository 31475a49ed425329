/**
 * The transactional outbox of completion messages. The finish of a generation marks its
 * completion as owed in the same atomic write as the terminal status and event
 * (`TransitionEffects.completionPending`); `deliver()` publishes the message and then settles
 * it. Whatever stops that half way (a crash between the write and the publish, a queue that is
 * down, an outage that swallowed the finish's acknowledgement so its caller gave up) leaves the
 * completion owed, and `redeliverOwed()` (run by the reconciler, src/generation/reconciler.ts)
 * publishes it again once it has been owed longer than a grace period.
 *
 * At least once, then: a message may go out twice (published, then the settlement lost). The
 * queue drops a repeat of the same `<id>:<status>` while it still holds the first, and the
 * notifier sends an outcome's webhook once (`GenerationRecord.completionDeliveredAt`); a
 * receiver can also dedupe by the webhook's `webhook-id`, which is the same for every repeat.
 */
import { context, runWithRequestScope, type Context, type Logger } from '../telemetry/index.js';
import type { CompletionEvent } from './completion-event.js';
import type { CompletionPublisher } from './completion-publisher.js';
import type { FinishedListOptions, GenerationStore } from './generation-store.js';
import { generationTrace } from './generation-trace.js';
import { isTerminal } from './lifecycle.js';

export interface CompletionOutboxOptions {
  store: GenerationStore;
  completions: CompletionPublisher;
  logger: Logger;
}

export class CompletionOutbox {
  constructor(private readonly options: CompletionOutboxOptions) {}

  /**
   * Publishes an owed completion, then settles it. True when it was published (settled or not:
   * a settlement that failed means one more publish later, never a lost one). Never throws.
   */
  async deliver(event: CompletionEvent, parent?: Context): Promise<boolean> {
    const { store, completions, logger } = this.options;
    if (!(await completions.publish(event, parent))) return false;
    try {
      await store.settleCompletion(event.id);
    } catch (err) {
      logger.warn('completion_settle_failed', { status: event.status, err: err as Error });
    }
    return true;
  }

  /**
   * Publishes again the completions still owed by generations that finished before
   * `finishedBefore` (oldest first, at most `limit`), each in its generation's trace and request
   * scope, stopping at the first the queue refuses. Returns how many went out; a store that
   * cannot be read throws.
   */
  async redeliverOwed(options: FinishedListOptions, now: number = Date.now()): Promise<number> {
    const { store, logger } = this.options;
    let published = 0;
    for (const record of await store.listPendingCompletions(options)) {
      if (!isTerminal(record.status) || record.finishedAt === undefined) continue;
      const event: CompletionEvent = { id: record.id, status: record.status, finishedAt: record.finishedAt };
      const sent = await runWithRequestScope({ requestId: record.id, clientId: record.clientId }, () => {
        // The request scope is in the active context: the generation's trace goes on top of it.
        const parent = generationTrace(record, context.active());
        return context.with(parent, () => {
          logger.warn('completion_republished', { status: record.status, owed_ms: Math.max(0, now - record.finishedAt!) });
          return this.deliver(event, parent);
        });
      });
      // The queue did not take it: the next pass tries again, rather than wait out its deadline for each.
      if (!sent) break;
      published++;
    }
    return published;
  }
}
