/**
 * RabbitMQ queue through amqplib: a durable queue of persistent messages, manual acks and
 * `prefetch = concurrency`. The broker itself redelivers the unacked messages of a dead
 * connection (a killed worker). A failed attempt is re-published, with its failure count in
 * a header, to a delay queue `<queue>.retry.<ms>` whose TTL dead-letters it back to the main
 * queue; one delay queue per distinct delay, because per-message TTLs only expire at the head
 * of a queue. After `maxAttempts` the message goes to `<queue>.dlq`.
 */
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { DiffscopeError } from '../errors/index.js';
import type {
  ConsumerOptions,
  DeadLetter,
  MessageHeaders,
  Processor,
  QueueBackend,
  QueueConsumer,
  QueueProducer,
} from './queue-backend.js';
import { RabbitConsumer } from './rabbitmq-consumer.js';
import { deadQueueName, FAILURES_HEADER, publishConfirmed, toDeadLetter, Topology } from './rabbitmq-topology.js';

export interface RabbitQueueOptions {
  url: string;
  /** Called when the broker connection drops; the backend reconnects by itself and resumes its consumers. */
  onConnectionLost?: (error: Error) => void;
  /** Called after a reconnect restored the channels and consumers. */
  onReconnected?: () => void;
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

  /** Unknown: a queue can only be read from its head, and reading would redeliver (and count) what it takes. */
  async has(): Promise<null> {
    return null;
  }

  async deadLetters(queue: string): Promise<DeadLetter[]> {
    const { connection, topology } = this.ready();
    const name = await topology.dead(queue);
    // Read without consuming: take everything unacked, then closing the channel puts it all back.
    const channel = await connection.createChannel();
    const out: DeadLetter[] = [];
    try {
      for (;;) {
        const msg = await channel.get(name, { noAck: false });
        if (msg === false) break;
        out.push(toDeadLetter(msg));
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
}
