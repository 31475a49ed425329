/**
 * RabbitMQ queue through amqplib: a durable queue of persistent messages, manual acks and
 * `prefetch = concurrency`. The broker itself redelivers the unacked messages of a dead
 * connection (a killed worker). A failed attempt is re-published, with its failure count in
 * a header, to a delay queue `<queue>.retry.<ms>` whose TTL dead-letters it back to the main
 * queue; one delay queue per distinct delay, because per-message TTLs only expire at the head
 * of a queue. After `maxAttempts` the message goes to `<queue>.dlq`.
 */
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Message, type Options } from 'amqplib';
import { retryDelayMs, toError } from './backoff.js';
import type {
  ConsumerOptions,
  DeliveredMessage,
  MessageHeaders,
  Processor,
  QueueBackend,
  QueueConsumer,
  QueueProducer,
} from './queue-backend.js';

export interface RabbitQueueOptions {
  url: string;
}

/** Failed attempts so far; travels with the message across the delay queues. */
const FAILURES_HEADER = 'x-diffscope-failures';
const ERROR_HEADER = 'x-diffscope-error';
/** Unused delay queues disappear this long after their TTL (`x-expires`). */
const DELAY_QUEUE_EXPIRY_MARGIN_MS = 60_000;

const retryQueueName = (queue: string, delayMs: number) => `${queue}.retry.${delayMs}`;
const deadQueueName = (queue: string) => `${queue}.dlq`;

function publishConfirmed(channel: ConfirmChannel, queue: string, content: Buffer, options: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(queue, content, options, (err: unknown) => (err ? reject(toError(err)) : resolve()));
  });
}

function stringHeaders(raw: Record<string, unknown> | undefined): MessageHeaders {
  const headers: MessageHeaders = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (key.startsWith('x-') || value === undefined || value === null) continue;
    headers[key] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return headers;
}

function failuresOf(msg: Message): number {
  const value = Number(msg.properties.headers?.[FAILURES_HEADER] ?? 0);
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

function toDelivered(msg: Message): DeliveredMessage {
  return {
    id: String(msg.properties.messageId ?? ''),
    payload: JSON.parse(msg.content.toString('utf8')) as unknown,
    headers: stringHeaders(msg.properties.headers),
    // A broker redelivery (dead consumer, hand-back) counts as one more delivery.
    attempt: failuresOf(msg) + 1 + (msg.fields.redelivered ? 1 : 0),
    deliveredAt: Date.now(),
  };
}

/** Declares each queue once per channel owner; RabbitMQ declarations are idempotent anyway. */
class Topology {
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

export class RabbitQueueBackend implements QueueBackend {
  readonly kind = 'rabbitmq' as const;
  private readonly consumers = new Set<RabbitConsumer>();
  private readonly topology: Topology;
  private readonly retrySeen = new Set<string>();

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {
    this.topology = new Topology(channel, this.retrySeen);
  }

  static async connect(options: RabbitQueueOptions): Promise<RabbitQueueBackend> {
    const connection = await amqp.connect(options.url);
    connection.on('error', () => {
      // 'close' follows; without a listener an error event would crash the process.
    });
    const channel = await connection.createConfirmChannel();
    return new RabbitQueueBackend(connection, channel);
  }

  async producer(queue: string): Promise<QueueProducer> {
    await this.topology.main(queue);
    return {
      publish: (id: string, payload: unknown, headers: MessageHeaders) =>
        publishConfirmed(this.channel, queue, Buffer.from(JSON.stringify(payload)), {
          persistent: true,
          messageId: id,
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
          headers: { ...headers, [FAILURES_HEADER]: 0 },
        }),
    };
  }

  async consume<T>(queue: string, processor: Processor<T>, options: ConsumerOptions): Promise<QueueConsumer> {
    const channel = await this.connection.createConfirmChannel();
    const consumer = new RabbitConsumer(queue, processor as Processor, options, channel, this.retrySeen);
    this.consumers.add(consumer);
    consumer.onClosed = () => this.consumers.delete(consumer);
    await consumer.start();
    return consumer;
  }

  async depth(queue: string): Promise<number> {
    await this.topology.main(queue);
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  async deadLetters(queue: string): Promise<DeliveredMessage[]> {
    const name = await this.topology.dead(queue);
    // Read without consuming: take everything unacked, then closing the channel puts it all back.
    const channel = await this.connection.createChannel();
    const out: DeliveredMessage[] = [];
    try {
      for (;;) {
        const msg = await channel.get(name, { noAck: false });
        if (msg === false) break;
        out.push({ ...toDelivered(msg), attempt: failuresOf(msg) });
      }
    } finally {
      await channel.close().catch(() => undefined);
    }
    return out;
  }

  async deleteQueue(queue: string): Promise<void> {
    for (const name of [queue, deadQueueName(queue), ...this.topology.retryQueuesSeen(queue)]) {
      await this.channel.deleteQueue(name);
      this.retrySeen.delete(name);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close({ drain: false })));
    await this.connection.close().catch(() => undefined);
  }
}

interface InFlight {
  msg: ConsumeMessage;
  controller: AbortController;
  done: Promise<void>;
  settled: boolean;
}

class RabbitConsumer implements QueueConsumer {
  onClosed: () => void = () => {};
  private readonly topology: Topology;
  private readonly inflight = new Set<InFlight>();
  private consumerTag: string | null = null;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly queue: string,
    private readonly processor: Processor,
    private readonly settings: ConsumerOptions,
    private readonly channel: ConfirmChannel,
    retrySeen: Set<string>,
  ) {
    this.topology = new Topology(channel, retrySeen);
    channel.on('error', () => {
      // The channel closes after an error; the broker requeues what it had delivered.
    });
  }

  async start(): Promise<void> {
    await this.topology.main(this.queue);
    await this.channel.prefetch(this.settings.concurrency);
    const reply = await this.channel.consume(this.queue, (msg) => msg && this.deliver(msg), { noAck: false });
    this.consumerTag = reply.consumerTag;
  }

  private deliver(msg: ConsumeMessage): void {
    const entry: InFlight = { msg, controller: new AbortController(), done: Promise.resolve(), settled: false };
    this.inflight.add(entry);
    entry.done = this.run(entry).finally(() => this.inflight.delete(entry));
  }

  /** Ack/nack exactly once per delivery, whichever of completion and hand-back comes first. */
  private settle(entry: InFlight, action: () => void): boolean {
    if (entry.settled) return false;
    entry.settled = true;
    try {
      action();
    } catch {
      // Channel already closed: the broker requeues the delivery itself.
    }
    return true;
  }

  private async run(entry: InFlight): Promise<void> {
    let message: DeliveredMessage;
    try {
      message = toDelivered(entry.msg);
    } catch (err) {
      // Unparseable: retrying cannot help; straight to the dead letters.
      await this.deadLetter(entry, { id: String(entry.msg.properties.messageId ?? ''), payload: null, headers: {}, attempt: 1, deliveredAt: Date.now() }, toError(err));
      return;
    }
    try {
      await this.processor(message, entry.controller.signal);
      this.settle(entry, () => this.channel.ack(entry.msg));
    } catch (raw) {
      if (entry.settled) return;
      const error = toError(raw);
      const failures = failuresOf(entry.msg) + 1;
      try {
        if (failures >= this.settings.maxAttempts) {
          await this.deadLetter(entry, message, error);
        } else {
          const target = await this.topology.retry(this.queue, retryDelayMs(failures, this.settings));
          await publishConfirmed(this.channel, target, entry.msg.content, {
            ...entry.msg.properties,
            persistent: true,
            headers: { ...entry.msg.properties.headers, [FAILURES_HEADER]: failures, [ERROR_HEADER]: error.message.slice(0, 1_000) },
          });
          this.settle(entry, () => this.channel.ack(entry.msg));
        }
      } catch {
        // Could not re-publish: hand the message back so it is not lost.
        this.settle(entry, () => this.channel.nack(entry.msg, false, true));
      }
    }
  }

  private async deadLetter(entry: InFlight, message: DeliveredMessage, error: Error): Promise<void> {
    const target = await this.topology.dead(this.queue);
    await publishConfirmed(this.channel, target, entry.msg.content, {
      ...entry.msg.properties,
      persistent: true,
      headers: { ...entry.msg.properties.headers, [FAILURES_HEADER]: failuresOf(entry.msg) + 1, [ERROR_HEADER]: error.message.slice(0, 1_000) },
    });
    if (this.settle(entry, () => this.channel.ack(entry.msg))) {
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
    if (this.consumerTag) await this.channel.cancel(this.consumerTag).catch(() => undefined);
    const settle = (limitMs: number | undefined) => {
      const all = Promise.allSettled([...this.inflight].map((e) => e.done)).then(() => undefined);
      if (limitMs === undefined) return all;
      return Promise.race([all, new Promise<void>((r) => setTimeout(r, limitMs).unref())]);
    };
    if (options.drain) await settle(options.timeoutMs);
    for (const entry of this.inflight) {
      entry.controller.abort(new Error('queue consumer closing: message handed back'));
      this.settle(entry, () => this.channel.nack(entry.msg, false, true));
    }
    await settle(options.timeoutMs ?? 5_000);
    await this.channel.close().catch(() => undefined);
    this.onClosed();
  }
}
