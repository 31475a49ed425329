/**
 * One RabbitMQ consumer transport: manual acks on a confirm channel with `prefetch =
 * concurrency`; the shared policy (src/queue/consumer-core.ts) decides, and this carries it out
 * with re-publishes: to a delay queue (retry), to `<queue>.dlq` (dead letter), or to the tail
 * of the main queue (hand-back, lost-delivery count). Restartable on a fresh channel after a
 * reconnect or a channel error.
 */
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { ConsumerCore, type Delivery } from './consumer-core.js';
import type { ConsumerOptions, Processor } from './queue-backend.js';
import {
  attemptOf,
  countHeader,
  DEAD_AT_HEADER,
  decodeBody,
  ERROR_HEADER,
  FAILURES_HEADER,
  failuresOf,
  lastErrorOf,
  LOST_HEADER,
  publishConfirmed,
  Topology,
} from './rabbitmq-topology.js';

type Headers = Record<string, unknown>;

/**
 * Publish a copy with `headers`, then ack the original: a crash in between duplicates, never
 * loses. Acks must go to the channel that delivered the message.
 */
async function forward(
  channel: ConfirmChannel,
  msg: ConsumeMessage,
  target: string,
  headers: Headers,
  content: Buffer = msg.content,
): Promise<void> {
  await publishConfirmed(channel, target, content, { ...msg.properties, persistent: true, headers });
  channel.ack(msg);
}

export class RabbitConsumer extends ConsumerCore {
  onChannelLost: () => void = () => {};
  private channel: ConfirmChannel | null = null;
  private consumerTag: string | null = null;

  constructor(
    private readonly queue: string,
    processor: Processor,
    options: ConsumerOptions,
    private readonly retrySeen: Set<string>,
  ) {
    super(processor, options);
  }

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
    await new Topology(channel, this.retrySeen).main(this.queue);
    await channel.prefetch(this.options.concurrency);
    const reply = await channel.consume(this.queue, (msg) => msg && this.receive(channel, msg), { noAck: false });
    this.consumerTag = reply.consumerTag;
  }

  private receive(channel: ConfirmChannel, msg: ConsumeMessage): void {
    if (msg.fields.redelivered) {
      // Its previous consumer died (or lost its connection) mid-job. The broker flags that but
      // does not count it: count it in a header, then let the counted copy come round again.
      const headers = { ...msg.properties.headers, [LOST_HEADER]: countHeader(msg, LOST_HEADER) + 1 };
      this.track(this.requeueCopy(channel, msg, headers));
      return;
    }
    void this.deliver(this.deliveryOf(channel, msg));
  }

  /** Back to the tail of the main queue with `headers`; a plain requeue (nack) when that publish fails. */
  private async requeueCopy(channel: ConfirmChannel, msg: ConsumeMessage, headers: Headers): Promise<void> {
    try {
      await forward(channel, msg, this.queue, headers);
    } catch {
      channel.nack(msg, false, true);
    }
  }

  private deliveryOf(channel: ConfirmChannel, msg: ConsumeMessage): Delivery {
    const topology = new Topology(channel, this.retrySeen);
    const headers: Headers = msg.properties.headers ?? {};
    return {
      id: String(msg.properties.messageId ?? ''),
      attempt: attemptOf(msg),
      lastError: lastErrorOf(msg),
      decode: () => decodeBody(msg),
      settlement: {
        ack: () => channel.ack(msg),
        retry: async (delayMs, reason) => {
          const target = await topology.retry(this.queue, delayMs);
          await forward(channel, msg, target, { ...headers, [FAILURES_HEADER]: failuresOf(msg) + 1, [ERROR_HEADER]: reason });
        },
        deadLetter: async (reason, payload) => {
          const target = await topology.dead(this.queue);
          const kept = payload !== undefined ? Buffer.from(payload) : undefined;
          await forward(channel, msg, target, { ...headers, [ERROR_HEADER]: reason, [DEAD_AT_HEADER]: Date.now() }, kept);
          return true;
        },
        // As an unflagged copy: a plain nack would mark it redelivered, which counts as a lost delivery.
        handBack: () => this.requeueCopy(channel, msg, { ...headers }),
        // Could not re-publish: the broker keeps it (nack with requeue), so it is not lost.
        abandon: () => channel.nack(msg, false, true),
      },
    };
  }

  protected async stopIntake(): Promise<void> {
    if (this.channel && this.consumerTag) await this.channel.cancel(this.consumerTag);
  }

  protected async releaseTransport(): Promise<void> {
    await this.channel?.close().catch(() => undefined);
  }
}
