/**
 * Tells the notifier that a generation reached its terminal status: one message on the
 * completions queue, keyed `<id>:<status>` so a backend that deduplicates by id drops a
 * repeat, with the trace context in its headers. The moments before it that a webhook asked
 * for (src/generation/webhook-events.ts) travel the same way, keyed by their webhook-id.
 */
import type { QueueProducer } from '../queue/index.js';
import { injectMessageHeaders, type Context, type Logger } from '../telemetry/index.js';
import type { CompletionEvent } from './completion-event.js';
import { webhookMessageId, type InterimWebhookEvent } from './webhook-events.js';

export interface CompletionPublisherOptions {
  /** Opens the producer on the completions queue; called on the first publish (and again after it failed). */
  open: () => Promise<QueueProducer>;
  logger: Logger;
}

export class CompletionPublisher {
  private producer: Promise<QueueProducer> | undefined;

  constructor(private readonly options: CompletionPublisherOptions) {}

  /**
   * True once the message is on the queue. Never throws: the generation is finished either way;
   * a completion not published stays owed (src/generation/completion-outbox.ts).
   */
  async publish(event: CompletionEvent, parent?: Context): Promise<boolean> {
    try {
      const producer = await this.openProducer();
      await producer.publish(`${event.id}:${event.status}`, event, injectMessageHeaders({ context: parent, requestId: event.id }));
      return true;
    } catch (err) {
      this.options.logger.error('completion_publish_failed', { err: err as Error });
      return false;
    }
  }

  /** An interim webhook event (queued, started, progress); never throws, like `publish`. */
  async publishInterim(event: InterimWebhookEvent, parent?: Context): Promise<void> {
    try {
      const producer = await this.openProducer();
      await producer.publish(webhookMessageId(event, event), event, injectMessageHeaders({ context: parent, requestId: event.id }));
    } catch (err) {
      // Only this notification is lost: the generation and its outcome's webhook go on.
      this.options.logger.warn('webhook_event_publish_failed', { webhook_event: event.event, err: err as Error });
    }
  }

  private async openProducer(): Promise<QueueProducer> {
    const opening = (this.producer ??= this.options.open());
    try {
      return await opening;
    } catch (err) {
      if (this.producer === opening) this.producer = undefined;
      throw err;
    }
  }
}
