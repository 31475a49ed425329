/**
 * The notifier: consumes completion events and POSTs each generation's webhook when the
 * client subscribed to that outcome. The trace continues from the completion message's
 * headers, so `notify.webhook` sits in the request's trace.
 */
import type { Config } from '../config/index.js';
import type { QueueBackend } from '../queue/index.js';
import type { GenerationStore } from '../state/index.js';
import { context, extractMessageHeaders, type Logger } from '../telemetry/index.js';
import { completionQueueName, type CompletionEvent } from './completion-event.js';
import { deliverWebhook } from './webhook-delivery.js';

export interface NotifierDeps {
  config: Config;
  logger: Logger;
  queue: QueueBackend;
  store: GenerationStore;
  /** Webhooks delivered at once (default 8). */
  concurrency?: number;
  /** First webhook retry delay, doubling (default 1000 ms, capped at maxBackoffMs = 60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** The caller (the CLI's service runtime, or a test) closes it: drains deliveries in flight. */
export interface NotifierHandle {
  close(options?: { graceMs?: number }): Promise<void>;
}

export async function startNotifier(deps: NotifierDeps): Promise<NotifierHandle> {
  const { config, logger, queue, store } = deps;
  const queueName = completionQueueName(config);
  if (!config.DIFFSCOPE_WEBHOOK_SECRET) {
    logger.warn('webhook_unsigned', { message: 'DIFFSCOPE_WEBHOOK_SECRET is not set: webhooks are sent without x-diffscope-signature' });
  }
  const delivery = { config, logger, backoffMs: deps.backoffMs ?? 1_000, maxBackoffMs: deps.maxBackoffMs ?? 60_000 };

  const consumer = await queue.consume<CompletionEvent>(
    queueName,
    async (message, signal) => {
      const event = message.payload;
      const { context: parent } = extractMessageHeaders(message.headers);
      await context.with(parent, async () => {
        const record = await store.get(event.id);
        if (!record?.webhook) return;
        if (!record.webhook.events.includes(event.status)) {
          logger.debug('notification_skipped', { reason: 'outcome not subscribed', status: event.status });
          return;
        }
        await deliverWebhook(record, event, parent, signal, delivery);
      });
    },
    {
      concurrency: deps.concurrency ?? 8,
      // Delivery retries happen inside deliverWebhook; the queue only redelivers after a crash.
      maxAttempts: config.DIFFSCOPE_QUEUE_MAX_ATTEMPTS,
      backoffMs: config.DIFFSCOPE_QUEUE_BACKOFF_MS,
      maxBackoffMs: config.DIFFSCOPE_QUEUE_MAX_BACKOFF_MS,
    },
  );
  logger.info('notifier_started', { queue: queueName, queue_backend: queue.kind, allow_private: config.DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE });

  let closing: Promise<void> | undefined;
  const handle: NotifierHandle = {
    close(options = {}) {
      closing ??= consumer.close({ drain: true, timeoutMs: options.graceMs ?? Math.max(0, config.DIFFSCOPE_SHUTDOWN_GRACE_MS - 1_500) });
      return closing;
    },
  };
  return handle;
}
