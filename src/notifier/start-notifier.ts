/**
 * The notifier: consumes completion events and POSTs each generation's webhook when the
 * client subscribed to that outcome (`webhook.events`), and the queued/started/progress
 * notifications a webhook asked for, which travel on the same queue (src/generation/webhook-events.ts).
 * The trace continues from the message's headers, so `notify.webhook` sits in the request's trace.
 *
 * Two limits: the queue hands over up to `INTAKE_PER_SLOT` times more events than attempts may
 * run, and attempts take delivery slots (in all, per client, per host). An event whose client or
 * host is at its limit waits without taking an attempt slot, so the other clients' events,
 * taken in behind it, go out meanwhile.
 *
 * The notifier also runs the reconciler (src/generation/reconciler.ts) every
 * DIFFSCOPE_RECONCILE_INTERVAL_MS: generations left without a live job are failed, and their
 * completion comes back here as a webhook.
 */
import type { Config } from '../config/index.js';
import {
  CompletionPublisher,
  GenerationLifecycle,
  Reconciler,
  generationQueueName,
  isInterimWebhookEvent,
  webhookWants,
  type InterimWebhookEvent,
} from '../generation/index.js';
import type { QueueBackend } from '../queue/index.js';
import type { GenerationStore } from '../state/index.js';
import { context, extractMessageHeaders, type Logger } from '../telemetry/index.js';
import { completionQueueName, type CompletionEvent } from './completion-event.js';
import { DeliverySlots } from './delivery-slots.js';
import { createNotifierMetrics } from './notifier-metrics.js';
import { deliverWebhook } from './webhook-delivery.js';
import type { ResolveAll } from './address-guard.js';

/** Events taken from the queue per attempt slot: room for the events that wait on a busy client or host. */
const INTAKE_PER_SLOT = 8;

export interface NotifierDeps {
  config: Config;
  logger: Logger;
  queue: QueueBackend;
  store: GenerationStore;
  /** Attempts in flight at once (default DIFFSCOPE_WEBHOOK_CONCURRENCY). */
  concurrency?: number;
  /** The resolver seam (default: the system resolver). */
  resolveAll?: ResolveAll;
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
    logger.warn('webhook_unsigned', {
      message: 'DIFFSCOPE_WEBHOOK_SECRET is not set: webhooks are sent without x-diffscope-signature and webhook-signature',
    });
  }
  const slots = new DeliverySlots({
    total: deps.concurrency ?? config.DIFFSCOPE_WEBHOOK_CONCURRENCY,
    perClient: config.DIFFSCOPE_WEBHOOK_MAX_PER_CLIENT,
    perHost: config.DIFFSCOPE_WEBHOOK_MAX_PER_HOST,
  });
  const delivery = {
    config,
    logger,
    slots,
    resolveAll: deps.resolveAll,
    backoffMs: deps.backoffMs ?? 1_000,
    maxBackoffMs: deps.maxBackoffMs ?? 60_000,
    metrics: createNotifierMetrics(),
  };

  const consumer = await queue.consume<CompletionEvent | InterimWebhookEvent>(
    queueName,
    async (message, signal) => {
      const event = message.payload;
      const { context: parent } = extractMessageHeaders(message.headers);
      await context.with(parent, async () => {
        const record = await store.get(event.id);
        if (!record?.webhook) return;
        // A moment taken after the generation ended is still sent: receivers order by `event_at`.
        if (isInterimWebhookEvent(event)) {
          if (!webhookWants(record.webhook, event.event)) {
            logger.debug('notification_skipped', { reason: 'moment not subscribed', status: record.status, webhook_event: event.event });
            return;
          }
        } else if (!webhookWants(record.webhook, event.status)) {
          logger.debug('notification_skipped', { reason: 'outcome not subscribed', status: event.status, webhook_event: 'completed' });
          return;
        } else if (record.completionDeliveredAt !== undefined) {
          // A repeat of the completion (the outbox publishes one again when its settlement was lost).
          logger.debug('notification_skipped', { reason: 'outcome already delivered', status: event.status, webhook_event: 'completed' });
          return;
        }
        const delivered = await deliverWebhook(record, event, parent, signal, delivery);
        if (delivered && !isInterimWebhookEvent(event)) {
          // Best effort: when this write is lost, a repeat sends the webhook again with the same
          // `webhook-id`, by which the receiver can tell it is the same one.
          await store.update(event.id, { completionDeliveredAt: Date.now() }).catch(() => undefined);
        }
      });
    },
    {
      concurrency: slots.limits.total * INTAKE_PER_SLOT,
      // Delivery retries happen inside deliverWebhook; the queue only redelivers after a crash.
      maxAttempts: config.DIFFSCOPE_QUEUE_MAX_ATTEMPTS,
      backoffMs: config.DIFFSCOPE_QUEUE_BACKOFF_MS,
      maxBackoffMs: config.DIFFSCOPE_QUEUE_MAX_BACKOFF_MS,
    },
  );
  const reconciling =
    config.DIFFSCOPE_RECONCILE_INTERVAL_MS > 0
      ? new Reconciler({
          store,
          queue,
          queueName: generationQueueName(config),
          lifecycle: new GenerationLifecycle({
            store,
            logger,
            completions: new CompletionPublisher({ open: () => queue.producer(queueName), logger }),
          }),
          logger,
          graceMs: config.DIFFSCOPE_RECONCILE_GRACE_MS,
          unknownMaxAgeMs: config.DIFFSCOPE_RECONCILE_UNKNOWN_MAX_AGE_MS,
        }).start(config.DIFFSCOPE_RECONCILE_INTERVAL_MS)
      : undefined;
  logger.info('notifier_started', { queue: queueName, queue_backend: queue.kind, allow_private: config.DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE });

  let closing: Promise<void> | undefined;
  const handle: NotifierHandle = {
    close(options = {}) {
      closing ??= (async () => {
        await reconciling?.stop();
        await consumer.close({ drain: true, timeoutMs: options.graceMs ?? Math.max(0, config.DIFFSCOPE_SHUTDOWN_GRACE_MS - 1_500) });
      })();
      return closing;
    },
  };
  return handle;
}
