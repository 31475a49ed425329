/**
 * The RabbitMQ message format and queue layout shared by the backend and its consumers:
 * header names, the confirm-publish helper, decoding a delivery, and the topology (main
 * queue, one delay queue per retry delay, dead-letter queue).
 */
import type { Channel, ConfirmChannel, Message, Options } from 'amqplib';
import { DiffscopeError } from '../errors/index.js';
import { toError } from './delivery-errors.js';
import type { DeadLetter, MessageHeaders } from './queue-backend.js';

/** Failed attempts so far; travels with the message across the delay queues. */
export const FAILURES_HEADER = 'x-diffscope-failures';
/**
 * Deliveries that ended without an answer (the consumer died). The broker only flags a
 * redelivery, it does not count them, so a redelivered message is re-published once with
 * this count raised; hand-backs are re-published too, unflagged, so they do not count.
 */
export const LOST_HEADER = 'x-diffscope-lost';
/** The error of the last failed attempt (on a retry copy) or the dead-letter reason (in the DLQ). */
export const ERROR_HEADER = 'x-diffscope-error';
/** When a message was moved to `<queue>.dlq` (ms since epoch). */
export const DEAD_AT_HEADER = 'x-diffscope-dead-at';
/** Unused delay queues disappear this long after their TTL (`x-expires`). */
const DELAY_QUEUE_EXPIRY_MARGIN_MS = 60_000;

const retryQueueName = (queue: string, delayMs: number) => `${queue}.retry.${delayMs}`;
export const deadQueueName = (queue: string) => `${queue}.dlq`;

/** A broker that never confirms (half-open TCP) must not hang the caller forever. */
const PUBLISH_CONFIRM_TIMEOUT_MS = 10_000;

export function publishConfirmed(channel: ConfirmChannel, queue: string, content: Buffer, options: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DiffscopeError('DSC_ERR_QUEUE_UNAVAILABLE', `RabbitMQ did not confirm within ${PUBLISH_CONFIRM_TIMEOUT_MS} ms`)),
      PUBLISH_CONFIRM_TIMEOUT_MS,
    );
    channel.sendToQueue(queue, content, options, (err: unknown) => {
      clearTimeout(timer);
      if (err) reject(toError(err));
      else resolve();
    });
  });
}

/** An AMQP header value as text: long strings arrive as Buffers, a foreign publisher may send a table. */
function headerText(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function stringHeaders(raw: Record<string, unknown> | undefined): MessageHeaders {
  const headers: MessageHeaders = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (key.startsWith('x-') || value === undefined || value === null) continue;
    headers[key] = headerText(value);
  }
  return headers;
}

export function countHeader(msg: Message, header: string): number {
  const value = Number(msg.properties.headers?.[header] ?? 0);
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

export const failuresOf = (msg: Message) => countHeader(msg, FAILURES_HEADER);
export const attemptOf = (msg: Message) => countHeader(msg, FAILURES_HEADER) + countHeader(msg, LOST_HEADER) + 1;

export function lastErrorOf(msg: Message): string | null {
  const value: unknown = msg.properties.headers?.[ERROR_HEADER];
  if (value === undefined || value === null) return null;
  return headerText(value);
}

/** Payload and the caller's headers (the `x-` bookkeeping headers left out); throws on a body that is not JSON. */
export function decodeBody(msg: Message): { payload: unknown; headers: MessageHeaders } {
  return { payload: JSON.parse(msg.content.toString('utf8')) as unknown, headers: stringHeaders(msg.properties.headers) };
}

/** A message of `<queue>.dlq` as listed for operators; a body that is not JSON is listed as its text. */
export function toDeadLetter(msg: Message): DeadLetter {
  let payload: unknown;
  try {
    payload = JSON.parse(msg.content.toString('utf8')) as unknown;
  } catch {
    payload = msg.content.toString('utf8');
  }
  const id = String(msg.properties.messageId ?? '');
  const deadAt = countHeader(msg, DEAD_AT_HEADER);
  return {
    id,
    payload,
    headers: stringHeaders(msg.properties.headers),
    attempt: attemptOf(msg),
    deliveredAt: deadAt,
    error: lastErrorOf(msg) ?? '',
  };
}

/** Declares each queue once per channel owner; RabbitMQ declarations are idempotent anyway. */
export class Topology {
  private readonly declared = new Set<string>();
  /** `retrySeen` is shared by a backend and its consumers, so deleteQueue finds every delay queue. */
  constructor(
    private readonly channel: Channel,
    private readonly retrySeen: Set<string> = new Set(),
  ) {}

  async main(queue: string): Promise<void> {
    if (this.declared.has(queue)) return;
    await this.channel.assertQueue(queue, { durable: true });
    this.declared.add(queue);
  }

  async dead(queue: string): Promise<string> {
    const name = deadQueueName(queue);
    if (!this.declared.has(name)) {
      await this.channel.assertQueue(name, { durable: true });
      this.declared.add(name);
    }
    return name;
  }

  async retry(queue: string, delayMs: number): Promise<string> {
    const name = retryQueueName(queue, delayMs);
    // Re-declared on every use: that also resets its `x-expires` clock.
    await this.channel.assertQueue(name, {
      durable: true,
      arguments: {
        'x-message-ttl': delayMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queue,
        'x-expires': delayMs + DELAY_QUEUE_EXPIRY_MARGIN_MS,
      },
    });
    this.retrySeen.add(name);
    return name;
  }

  retryQueuesSeen(queue: string): string[] {
    return [...this.retrySeen].filter((n) => n.startsWith(`${queue}.retry.`));
  }
}
