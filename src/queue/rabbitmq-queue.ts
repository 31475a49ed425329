/**
 * RabbitMQ queue through amqplib: a durable queue of persistent messages, manual acks and
 * `prefetch = concurrency`. The broker itself redelivers the unacked messages of a dead
 * connection (a killed worker). A failed attempt is re-published, with its failure count in
 * a header, to a delay queue `<queue>.retry.<ms>` whose TTL dead-letters it back to the main
 * queue; one delay queue per distinct delay, because per-message TTLs only expire at the head
 * of a queue. After `maxAttempts` the message goes to `<queue>.dlq`.
 */
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Message, type Options } from 'amqplib';
import { DiffscopeError } from '../errors/index.js';
import { lostDeliveriesError, retryDelayMs, toError } from './backoff.js';
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
  /** Called when the broker connection drops; the backend reconnects by itself and resumes its consumers. */
  onConnectionLost?: (error: Error) => void;
  /** Called after a reconnect restored the channels and consumers. */
  onReconnected?: () => void;
}

/** Failed attempts so far; travels with the message across the delay queues. */
const FAILURES_HEADER = 'x-diffscope-failures';
/**
 * Deliveries that ended without an answer (the consumer died). The broker only flags a
 * redelivery, it does not count them, so a redelivered message is re-published once with
 * this count raised; hand-backs are re-published too, unflagged, so they do not count.
 */
const LOST_HEADER = 'x-diffscope-lost';
const ERROR_HEADER = 'x-diffscope-error';
/** Unused delay queues disappear this long after their TTL (`x-expires`). */
const DELAY_QUEUE_EXPIRY_MARGIN_MS = 60_000;

const retryQueueName = (queue: string, delayMs: number) => `${queue}.retry.${delayMs}`;
const deadQueueName = (queue: string) => `${queue}.dlq`;

/** A broker that never confirms (half-open TCP) must not hang the caller forever. */
const PUBLISH_CONFIRM_TIMEOUT_MS = 10_000;

function publishConfirmed(channel: ConfirmChannel, queue: string, content: Buffer, options: Options.Publish): Promise<void> {
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

function stringHeaders(raw: Record<string, unknown> | undefined): MessageHeaders {
  const headers: MessageHeaders = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (key.startsWith('x-') || value === undefined || value === null) continue;
    headers[key] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return headers;
}

function countHeader(msg: Message, header: string): number {
  const value = Number(msg.properties.headers?.[header] ?? 0);
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

const failuresOf = (msg: Message) => countHeader(msg, FAILURES_HEADER);
const attemptOf = (msg: Message) => countHeader(msg, FAILURES_HEADER) + countHeader(msg, LOST_HEADER) + 1;

function toDelivered(msg: Message): DeliveredMessage {
  return {
    id: String(msg.properties.messageId ?? ''),
    payload: JSON.parse(msg.content.toString('utf8')) as unknown,
    headers: stringHeaders(msg.properties.headers),
    attempt: attemptOf(msg),
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
  private readonly retrySeen = new Set<string>();
  private connection: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private topology: Topology | null = null;
  private closing = false;
  private reconnecting: Promise<void> | null = null;

  private constructor(private readonly options: RabbitQueueOptions) {}

  static async connect(options: RabbitQueueOptions): Promise<RabbitQueueBackend> {
    const backend = new RabbitQueueBackend(options);
    await backend.open();
    return backend;
  }

  private async open(): Promise<void> {
    const connection = await amqp.connect(this.options.url);
    connection.on('error', () => {
      // 'close' follows; without a listener an error event would crash the process.
    });
    connection.on('close', (err?: Error) => {
      if (this.connection !== connection || this.closing) return;
      this.connection = null;
      this.channel = null;
      this.options.onConnectionLost?.(err ?? new Error('RabbitMQ connection closed'));
      this.reconnect();
    });
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    this.connection = connection;
    this.channel = channel;
    this.topology = new Topology(channel, this.retrySeen);
  }

  /** Reconnect with capped exponential backoff, then give every consumer a new channel. */
  private reconnect(): void {
    this.reconnecting ??= (async () => {
      for (let delayMs = 200; !this.closing; delayMs = Math.min(delayMs * 2, 5_000)) {
        await new Promise((r) => setTimeout(r, delayMs));
        if (this.closing) return;
        try {
          await this.open();
          for (const consumer of this.consumers) await consumer.restart(await this.connection!.createConfirmChannel());
          this.options.onReconnected?.();
          return;
        } catch {
          // broker still away (or it dropped again mid-restore): keep trying
          await this.connection?.close().catch(() => undefined);
          this.connection = null;
        }
      }
    })().finally(() => {
      this.reconnecting = null;
    });
  }

  private ready(): { connection: ChannelModel; channel: ConfirmChannel; topology: Topology } {
    if (!this.connection || !this.channel || !this.topology) {
      throw new DiffscopeError('DSC_ERR_QUEUE_UNAVAILABLE', 'RabbitMQ connection lost; reconnecting');
    }
    return { connection: this.connection, channel: this.channel, topology: this.topology };
  }

  async producer(queue: string): Promise<QueueProducer> {
    await this.ready().topology.main(queue);
    return {
      publish: async (id: string, payload: unknown, headers: MessageHeaders) => {
        const { channel, topology } = this.ready();
        await topology.main(queue);
        await publishConfirmed(channel, queue, Buffer.from(JSON.stringify(payload)), {
          persistent: true,
          messageId: id,
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
          headers: { ...headers, [FAILURES_HEADER]: 0 },
        });
      },
    };
  }

  async consume<T>(queue: string, processor: Processor<T>, options: ConsumerOptions): Promise<QueueConsumer> {
    const channel = await this.ready().connection.createConfirmChannel();
    const consumer = new RabbitConsumer(queue, processor as Processor, options, this.retrySeen);
    this.consumers.add(consumer);
    consumer.onClosed = () => this.consumers.delete(consumer);
    consumer.onChannelLost = () => {
      // A channel-level error (not a dead connection): give that consumer a fresh channel.
      const connection = this.connection;
      if (!connection || this.closing) return;
      void connection
        .createConfirmChannel()
        .then((fresh) => consumer.restart(fresh))
        .catch(() => undefined);
    };
    await consumer.restart(channel);
    return consumer;
  }

  async depth(queue: string): Promise<number> {
    const { channel, topology } = this.ready();
    await topology.main(queue);
    return (await channel.checkQueue(queue)).messageCount;
  }

  async deadLetters(queue: string): Promise<DeliveredMessage[]> {
    const { connection, topology } = this.ready();
    const name = await topology.dead(queue);
    // Read without consuming: take everything unacked, then closing the channel puts it all back.
    const channel = await connection.createChannel();
    const out: DeliveredMessage[] = [];
    try {
      for (;;) {
        const msg = await channel.get(name, { noAck: false });
        if (msg === false) break;
        out.push({ ...toDelivered(msg), attempt: attemptOf(msg) - 1 });
      }
    } finally {
      await channel.close().catch(() => undefined);
    }
    return out;
  }

  async deleteQueue(queue: string): Promise<void> {
    const { channel, topology } = this.ready();
    for (const name of [queue, deadQueueName(queue), ...topology.retryQueuesSeen(queue)]) {
      await channel.deleteQueue(name);
      this.retrySeen.delete(name);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close({ drain: false })));
    this.closing = true;
    await this.connection?.close().catch(() => undefined);
    this.connection = null;
  }

  /** Tests only: drop the TCP connection as a network failure would. */
  simulateConnectionLoss(): void {
    (this.connection as unknown as { connection: { stream: { destroy(err?: Error): void } } } | null)?.connection.stream.destroy(new Error('simulated network failure'));
  }
}

interface InFlight {
  msg: ConsumeMessage;
  /** Acks must go to the channel that delivered the message. */
  channel: ConfirmChannel;
  controller: AbortController;
  done: Promise<void>;
  settled: boolean;
}

class RabbitConsumer implements QueueConsumer {
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
