/**
 * One RabbitMQ consumer: manual acks on a confirm channel with `prefetch = concurrency`,
 * retries through the delay queues, dead letters, lost-delivery counting and hand-back.
 * Restartable on a fresh channel after a reconnect or a channel error.
 */
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { lostDeliveriesError, retryDelayMs, toError } from './backoff.js';
import type { ConsumerOptions, DeliveredMessage, Processor, QueueConsumer } from './queue-backend.js';
import {
  countHeader,
  ERROR_HEADER,
  FAILURES_HEADER,
  failuresOf,
  LOST_HEADER,
  publishConfirmed,
  toDelivered,
  Topology,
} from './rabbitmq-topology.js';

interface InFlight {
  msg: ConsumeMessage;
  /** Acks must go to the channel that delivered the message. */
  channel: ConfirmChannel;
  controller: AbortController;
  done: Promise<void>;
  settled: boolean;
}

export class RabbitConsumer implements QueueConsumer {
  onClosed: () => void = () => {};
  onChannelLost: () => void = () => {};
  private channel: ConfirmChannel | null = null;
  private topology: Topology | null = null;
  private readonly inflight = new Set<InFlight>();
  private consumerTag: string | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly queue: string,
    private readonly processor: Processor,
    private readonly settings: ConsumerOptions,
    private readonly retrySeen: Set<string>,
  ) {}

  /** (Re)start on a fresh channel: first start, after a reconnect, or after a channel error. */
  async restart(channel: ConfirmChannel): Promise<void> {
    if (this.closing) {
      await channel.close().catch(() => undefined);
      return;
    }
    channel.on('error', () => {
      // The channel closes after an error; the broker requeues what it had delivered.
    });
    channel.on('close', () => {
      if (this.channel === channel && !this.closing) {
        this.channel = null;
        this.onChannelLost();
      }
    });
    this.channel = channel;
    this.topology = new Topology(channel, this.retrySeen);
    await this.topology.main(this.queue);
    await channel.prefetch(this.settings.concurrency);
    const reply = await channel.consume(this.queue, (msg) => msg && this.deliver(channel, msg), { noAck: false });
    this.consumerTag = reply.consumerTag;
  }

  private deliver(channel: ConfirmChannel, msg: ConsumeMessage): void {
    const entry: InFlight = { msg, channel, controller: new AbortController(), done: Promise.resolve(), settled: false };
    this.inflight.add(entry);
    entry.done = this.run(entry).finally(() => this.inflight.delete(entry));
  }

  /** Ack/nack exactly once per delivery, whichever of completion and hand-back comes first. */
  private settle(entry: InFlight, action: (channel: ConfirmChannel) => void): boolean {
    if (entry.settled) return false;
    entry.settled = true;
    try {
      action(entry.channel);
    } catch {
      // Channel already closed: the broker requeues the delivery itself.
    }
    return true;
  }

  /** Re-publish to the tail of the main queue with changed headers, then ack the original. */
  private async requeueCopy(entry: InFlight, headers: Record<string, unknown>): Promise<void> {
    // Settled up front, so a processor finishing meanwhile does not ack as well.
    if (!this.settle(entry, () => {})) return;
    let published = false;
    try {
      await publishConfirmed(entry.channel, this.queue, entry.msg.content, { ...entry.msg.properties, persistent: true, headers });
      published = true;
    } catch {
      // fall back to a plain requeue below
    }
    try {
      if (published) entry.channel.ack(entry.msg);
      else entry.channel.nack(entry.msg, false, true);
    } catch {
      // Channel gone: the broker requeues the original itself.
    }
  }

  private async run(entry: InFlight): Promise<void> {
    if (entry.msg.fields.redelivered) {
      // Its previous consumer died (or lost its connection) mid-job: count that, then let
      // the counted copy come round again.
      await this.requeueCopy(entry, { ...entry.msg.properties.headers, [LOST_HEADER]: countHeader(entry.msg, LOST_HEADER) + 1 });
      return;
    }
    let message: DeliveredMessage;
    try {
      message = toDelivered(entry.msg);
    } catch (err) {
      // Unparseable: retrying cannot help; straight to the dead letters.
      const id = String(entry.msg.properties.messageId ?? '');
      await this.deadLetter(entry, { id, payload: null, headers: {}, attempt: 1, deliveredAt: Date.now() }, toError(err)).catch(() =>
        this.settle(entry, (ch) => ch.nack(entry.msg, false, true)),
      );
      return;
    }
    if (message.attempt > this.settings.maxAttempts) {
      const error = lostDeliveriesError(message.attempt - 1);
      await this.deadLetter(entry, message, error).catch(() => this.settle(entry, (ch) => ch.nack(entry.msg, false, true)));
      return;
    }
    try {
      await this.processor(message, entry.controller.signal);
      this.settle(entry, (ch) => ch.ack(entry.msg));
    } catch (raw) {
      if (entry.settled) return;
      const error = toError(raw);
      const failures = failuresOf(entry.msg) + 1;
      try {
        if (message.attempt >= this.settings.maxAttempts) {
          await this.deadLetter(entry, message, error);
        } else {
          // Published on the delivering channel, then acked: a crash in between duplicates, never loses.
          const target = await new Topology(entry.channel, this.retrySeen).retry(this.queue, retryDelayMs(failures, this.settings));
          await publishConfirmed(entry.channel, target, entry.msg.content, {
            ...entry.msg.properties,
            persistent: true,
            headers: { ...entry.msg.properties.headers, [FAILURES_HEADER]: failures, [ERROR_HEADER]: error.message.slice(0, 1_000) },
          });
          this.settle(entry, (ch) => ch.ack(entry.msg));
        }
      } catch {
        // Could not re-publish: hand the message back so it is not lost.
        this.settle(entry, (ch) => ch.nack(entry.msg, false, true));
      }
    }
  }

  private async deadLetter(entry: InFlight, message: DeliveredMessage, error: Error): Promise<void> {
    const target = await new Topology(entry.channel, this.retrySeen).dead(this.queue);
    await publishConfirmed(entry.channel, target, entry.msg.content, {
      ...entry.msg.properties,
      persistent: true,
      headers: { ...entry.msg.properties.headers, [FAILURES_HEADER]: failuresOf(entry.msg) + 1, [ERROR_HEADER]: error.message.slice(0, 1_000) },
    });
    if (this.settle(entry, (ch) => ch.ack(entry.msg))) {
      try {
        await this.settings.onDeadLetter?.(message, error);
      } catch {
        // best effort; the message is in the dead-letter queue already
      }
    }
  }

  close(options: { drain: boolean; timeoutMs?: number } = { drain: true }): Promise<void> {
    this.closed ??= this.shutdown(options);
    return this.closed;
  }

  private async shutdown(options: { drain: boolean; timeoutMs?: number }): Promise<void> {
    this.closing = true;
    const channel = this.channel;
    if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
    const settle = (limitMs: number | undefined) => {
      const all = Promise.allSettled([...this.inflight].map((e) => e.done)).then(() => undefined);
      if (limitMs === undefined) return all;
      return Promise.race([all, new Promise<void>((r) => setTimeout(r, limitMs).unref())]);
    };
    if (options.drain) await settle(options.timeoutMs);
    // Hand back as an unflagged copy (a plain nack would mark it redelivered, which counts
    // as a lost delivery); nack only if that publish fails.
    await Promise.all(
      [...this.inflight].map((entry) => {
        entry.controller.abort(new Error('queue consumer closing: message handed back'));
        return this.requeueCopy(entry, { ...entry.msg.properties.headers });
      }),
    );
    await settle(options.timeoutMs ?? 5_000);
    await channel?.close().catch(() => undefined);
    this.onClosed();
  }
}
