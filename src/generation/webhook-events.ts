/**
 * Which moments of a generation its webhook is told about (`webhook.events`, Cog's
 * `webhook_events_filter`): `completed` (every outcome, the default) or one outcome of it
 * (`succeeded`, `failed`, `canceled`), and on request the moments before it: `queued` (accepted),
 * `started` (a worker took an attempt) and `progress` (sampling steps, at most one notification
 * per PROGRESS_WEBHOOK_INTERVAL_MS per generation).
 *
 * The outcome travels as a CompletionEvent; the moments before it as an InterimWebhookEvent on
 * the same completions queue, and only when the generation's webhook asked for them, so a
 * deployment whose clients never do sends no more messages than before.
 */
import type { GenerationRecord, WebhookSpec } from './generation-record.js';
import type { TerminalStatus } from './lifecycle.js';

/** The moments before the outcome that a webhook may ask for. */
export const INTERIM_WEBHOOK_EVENTS = ['queued', 'started', 'progress'] as const;
export type InterimWebhookType = (typeof INTERIM_WEBHOOK_EVENTS)[number];

/** Every entry `webhook.events` may hold. */
export const WEBHOOK_EVENT_FILTERS = [...INTERIM_WEBHOOK_EVENTS, 'completed', 'succeeded', 'failed', 'canceled'] as const;
export type WebhookEventFilter = (typeof WEBHOOK_EVENT_FILTERS)[number];

/** What a webhook without `events` gets: its generation's outcome, whichever it is. */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEventFilter[] = ['completed'];

/** Progress notifications of one generation are at least this far apart (the first goes at once). */
export const PROGRESS_WEBHOOK_INTERVAL_MS = 1_000;

/** A moment before the outcome, as the notifier gets it on the completions queue. */
export interface InterimWebhookEvent {
  id: string;
  event: InterimWebhookType;
  /** ms since epoch */
  at: number;
  /** `started`, `progress`: the queue's delivery attempt. */
  attempt?: number;
  /** `progress`: the sampling step just done (1-based) and the run's total. */
  step?: number;
  totalSteps?: number;
}

/**
 * Whether the webhook asked for this moment. `completed` covers every outcome; records written
 * before the filter existed list outcomes by name, which keep their meaning.
 */
export function webhookWants(webhook: WebhookSpec | undefined, moment: InterimWebhookType | TerminalStatus): boolean {
  if (!webhook) return false;
  const events = webhook.events;
  if (events.includes(moment)) return true;
  return moment !== 'queued' && moment !== 'started' && moment !== 'progress' && events.includes('completed');
}

/**
 * What a record stores: `completed` spelled out as the three outcomes (so a notifier of an older
 * version, which knows only outcome names, still delivers during a rolling upgrade), each name
 * once, in a fixed order.
 */
export function normalizeWebhookEvents(events: readonly WebhookEventFilter[]): WebhookEventFilter[] {
  const wanted = new Set<WebhookEventFilter>(events);
  if (wanted.delete('completed')) for (const outcome of ['succeeded', 'failed', 'canceled'] as const) wanted.add(outcome);
  return WEBHOOK_EVENT_FILTERS.filter((name) => wanted.has(name));
}

/** Tells interim events from outcomes on the completions queue (outcomes carry `status`). */
export function isInterimWebhookEvent(payload: unknown): payload is InterimWebhookEvent {
  const event = (payload as { event?: unknown } | null)?.event;
  return typeof event === 'string' && (INTERIM_WEBHOOK_EVENTS as readonly string[]).includes(event);
}

/** The webhook-id of one notification: the same for every retry of it, different for every other. */
export function webhookMessageId(record: Pick<GenerationRecord, 'id'>, moment: InterimWebhookEvent | TerminalStatus): string {
  if (typeof moment === 'string') return `${record.id}:${moment}`;
  if (moment.event === 'queued') return `${record.id}:queued`;
  if (moment.event === 'started') return `${record.id}:started:${moment.attempt ?? 1}`;
  return `${record.id}:progress:${moment.attempt ?? 1}:${moment.step ?? 0}`;
}
