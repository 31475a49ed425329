/**
 * Tells the notifier that a generation reached its terminal status: one message on the
 * completions queue, keyed `<id>:<status>` so a backend that deduplicates by id drops a
 * repeat, with the trace context in its headers.
 */
import type { QueueProducer } from '../queue/index.js';
import { injectMessageHeaders, type Context, type Logger } from '../telemetry/index.js';
import type { CompletionEvent } from './completion-event.js';

export interface CompletionPublisherOptions {
  /** Opens the producer on the completions queue; called on the first publish (and again after it failed). */
  open: () => Promise<QueueProducer>;
  logger: Logger;
}

export class CompletionPublisher {
  private producer: Promise<QueueProducer> | undefined;

  constructor(private readonly options: CompletionPublisherOptions) {}

  /** Never throws: the generation is finished either way; only its webhook is at stake. */
  async publish(event: CompletionEvent, parent?: Context): Promise<void> {
    try {
      const producer = await this.openProducer();
      await producer.publish(`${event.id}:${event.status}`, event, injectMessageHeaders({ context: parent, requestId: event.id }));
    } catch (err) {
      this.options.logger.error('completion_publish_failed', { err: err as Error });
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
