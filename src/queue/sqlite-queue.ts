/**
 * Embedded durable queue (the default): a SQLite file shared by every process on one
 * machine. Leases with a visibility timeout renewed by a heartbeat give redelivery after a
 * `kill -9`; retries wait in the same table (`available_at`) with exponential backoff; after
 * `maxAttempts` deliveries a message moves to `queue_dead_letters`. The consumer side is in
 * src/queue/sqlite-consumer.ts. Every call waits for a lock held by another process off the
 * event loop, then fails with DSC_ERR_QUEUE_UNAVAILABLE (src/queue/sqlite-queue-db.ts).
 */
import { DEFAULT_LEASE_MS } from './consumer-core.js';
import { notifyLocalWrite } from './file-write-signal.js';
import type {
  ConsumerOptions,
  DeadLetter,
  MessageHeaders,
  Processor,
  QueueBackend,
  QueueConsumer,
  QueueProducer,
} from './queue-backend.js';
import { parseHeaders, SqliteConsumer, type SqlitePolling } from './sqlite-consumer.js';
import { SqliteQueueDb } from './sqlite-queue-db.js';

export interface SqliteQueueOptions extends Partial<SqlitePolling> {
  /** The SQLite file, shared by every process of this machine (e.g. `<data dir>/queue.sqlite`). */
  file: string;
  /** Default visibility timeout when the consumer gives none. */
  leaseMs?: number;
  /** How long one statement may block the event loop waiting for a lock (default 10 ms). */
  busyTimeoutMs?: number;
  /** How long a call waits, between event-loop turns, for a lock another process holds (default 2000 ms). */
  lockWaitMs?: number;
}

export class SqliteQueueBackend implements QueueBackend {
  readonly kind = 'sqlite' as const;
  readonly db: SqliteQueueDb;
  private readonly leaseMs: number;
  private readonly polling: SqlitePolling;
  private readonly consumers = new Set<SqliteConsumer>();

  constructor(options: SqliteQueueOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.polling = {
      minPollMs: options.minPollMs ?? 2,
      maxPollMs: options.maxPollMs ?? (options.wakeOnWrite === false ? 20 : 200),
      wakeOnWrite: options.wakeOnWrite ?? true,
    };
    this.db = new SqliteQueueDb(options.file, { busyTimeoutMs: options.busyTimeoutMs, lockWaitMs: options.lockWaitMs });
  }

  async producer(queue: string): Promise<QueueProducer> {
    return {
      publish: async (id: string, payload: unknown, headers: MessageHeaders) => {
        await this.db.locked(() => this.db.insert(queue, id, JSON.stringify(payload), JSON.stringify(headers), Date.now()));
        notifyLocalWrite(this.db.file);
      },
    };
  }

  async consume<T>(queue: string, processor: Processor<T>, options: ConsumerOptions): Promise<QueueConsumer> {
    const consumer = new SqliteConsumer(this.db, queue, processor as Processor, options, this.leaseMs, this.polling);
    this.consumers.add(consumer);
    consumer.onClosed = () => this.consumers.delete(consumer);
    consumer.start();
    return consumer;
  }

  async depth(queue: string): Promise<number> {
    return this.db.locked(() => this.db.depth(queue, Date.now()));
  }

  async has(queue: string, id: string): Promise<boolean> {
    return this.db.locked(() => this.db.has(queue, id));
  }

  async deadLetters(queue: string): Promise<DeadLetter[]> {
    return (await this.db.locked(() => this.db.deadLetters(queue))).map((row) => ({
      id: row.id,
      payload: JSON.parse(row.payload) as unknown,
      headers: parseHeaders(row.headers),
      attempt: row.attempt,
      deliveredAt: row.dead_at,
      error: row.error,
    }));
  }

  async deleteQueue(queue: string): Promise<void> {
    await this.db.locked(() => this.db.deleteQueue(queue));
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close({ drain: false })));
    this.db.close();
  }
}
