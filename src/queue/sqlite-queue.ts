/**
 * Embedded durable queue (the default): a SQLite file shared by every process on one
 * machine. Leases with a visibility timeout renewed by a heartbeat give redelivery after a
 * `kill -9`; retries wait in the same table (`available_at`) with exponential backoff; after
 * `maxAttempts` deliveries a message moves to `queue_dead_letters`.
 */
import { randomUUID } from 'node:crypto';
import { lostDeliveriesError, retryDelayMs, toError } from './backoff.js';
import { notifyLocalWrite, onFileWrite } from './file-write-signal.js';
import type {
  ConsumerOptions,
  DeliveredMessage,
  MessageHeaders,
  Processor,
  QueueBackend,
  QueueConsumer,
  QueueProducer,
} from './queue-backend.js';
import { SqliteQueueDb, type MessageRow } from './sqlite-queue-db.js';

export interface SqliteQueueOptions {
  /** The SQLite file, shared by every process of this machine (e.g. `<data dir>/queue.sqlite`). */
  file: string;
  /** Default visibility timeout when the consumer gives none. */
  leaseMs?: number;
  /** Poll interval right after activity; doubles while idle up to `maxPollMs`. */
  minPollMs?: number;
  maxPollMs?: number;
  /** Wake idle consumers on writes to the file by any local process (inotify). */
  wakeOnWrite?: boolean;
  busyTimeoutMs?: number;
}

const DEFAULT_LEASE_MS = 10_000;
const CLOSING = new Error('queue consumer closing: message handed back');

function parseHeaders(json: string): MessageHeaders {
  return JSON.parse(json) as MessageHeaders;
}

export class SqliteQueueBackend implements QueueBackend {
  readonly kind = 'sqlite' as const;
  readonly db: SqliteQueueDb;
  private readonly options: Required<Omit<SqliteQueueOptions, 'file'>>;
  private readonly consumers = new Set<SqliteConsumer>();

  constructor(options: SqliteQueueOptions) {
    this.options = {
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      minPollMs: options.minPollMs ?? 2,
      maxPollMs: options.maxPollMs ?? (options.wakeOnWrite === false ? 20 : 200),
      wakeOnWrite: options.wakeOnWrite ?? true,
      busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
    };
    this.db = new SqliteQueueDb(options.file, { busyTimeoutMs: this.options.busyTimeoutMs });
  }

  async producer(queue: string): Promise<QueueProducer> {
    return {
      publish: async (id: string, payload: unknown, headers: MessageHeaders) => {
        this.db.insert(queue, id, JSON.stringify(payload), JSON.stringify(headers), Date.now());
        notifyLocalWrite(this.db.file);
      },
    };
  }

  async consume<T>(queue: string, processor: Processor<T>, options: ConsumerOptions): Promise<QueueConsumer> {
    const consumer = new SqliteConsumer(this.db, queue, processor as Processor, {
      ...options,
      leaseMs: options.leaseMs ?? this.options.leaseMs,
      minPollMs: this.options.minPollMs,
      maxPollMs: this.options.maxPollMs,
      wakeOnWrite: this.options.wakeOnWrite,
    });
    this.consumers.add(consumer);
    consumer.onClosed = () => this.consumers.delete(consumer);
    consumer.start();
    return consumer;
  }

  async depth(queue: string): Promise<number> {
    return this.db.depth(queue, Date.now());
  }

  async deadLetters(queue: string): Promise<DeliveredMessage[]> {
    return this.db.deadLetters(queue).map((row) => ({
      id: row.id,
      payload: JSON.parse(row.payload) as unknown,
      headers: parseHeaders(row.headers),
      attempt: row.attempt,
      deliveredAt: row.dead_at,
    }));
  }

  async deleteQueue(queue: string): Promise<void> {
    this.db.deleteQueue(queue);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close({ drain: false })));
    this.db.close();
  }
}

interface ConsumerSettings extends ConsumerOptions {
  leaseMs: number;
  minPollMs: number;
  maxPollMs: number;
  wakeOnWrite: boolean;
}

interface InFlight {
  controller: AbortController;
  done: Promise<void>;
  handedBack: boolean;
}

class SqliteConsumer implements QueueConsumer {
  onClosed: () => void = () => {};
  private readonly owner = randomUUID();
  private readonly inflight = new Map<number, InFlight>();
  private timer: NodeJS.Timeout | null = null;
  /** A poll queued with setImmediate (no 1 ms timer floor) is pending. */
  private immediate = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private unwatch: (() => void) | null = null;
  private pollDelayMs: number;
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly db: SqliteQueueDb,
    private readonly queue: string,
    private readonly processor: Processor,
    private readonly settings: ConsumerSettings,
  ) {
    this.pollDelayMs = settings.minPollMs;
  }

  start(): void {
    if (this.settings.wakeOnWrite) this.unwatch = onFileWrite(this.db.file, () => this.wake());
    const renewEvery = Math.max(50, Math.floor(this.settings.leaseMs / 3));
    this.heartbeat = setInterval(() => {
      try {
        if (this.inflight.size > 0) this.db.renew(this.owner, Date.now() + this.settings.leaseMs);
      } catch {
        // SQLITE_BUSY past busy_timeout: the next beat renews, well before the lease ends.
      }
    }, renewEvery);
    this.heartbeat.unref();
    this.schedule(0);
  }

  private wake(): void {
    if (this.closing || this.inflight.size >= this.settings.concurrency) return;
    this.pollDelayMs = this.settings.minPollMs;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.closing) return;
    if (delayMs <= 0) {
      if (this.immediate) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.poll();
      });
      return;
    }
    if (this.immediate) return; // a sooner poll is already queued; it reschedules itself
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.poll();
    }, delayMs);
  }

  private poll(): void {
    if (this.closing || this.immediate || this.timer) return; // superseded by a newer schedule
    const free = this.settings.concurrency - this.inflight.size;
    if (free <= 0) return; // a finishing processor schedules the next poll
    let rows: MessageRow[] = [];
    try {
      rows = this.db.claim(this.queue, this.owner, free, Date.now(), this.settings.leaseMs);
    } catch {
      // SQLITE_BUSY beyond busy_timeout: another process holds the write lock; try again soon.
    }
    for (const row of rows) this.deliver(row);
    if (rows.length > 0) this.pollDelayMs = this.settings.minPollMs;
    else this.pollDelayMs = Math.min(this.pollDelayMs * 2, this.settings.maxPollMs);
    if (this.inflight.size < this.settings.concurrency) this.schedule(rows.length > 0 ? 0 : this.pollDelayMs);
  }

  private deliver(row: MessageRow): void {
    const message: DeliveredMessage = {
      id: row.id,
      payload: JSON.parse(row.payload) as unknown,
      headers: parseHeaders(row.headers),
      attempt: row.attempt,
      deliveredAt: Date.now(),
    };
    if (row.attempt > this.settings.maxAttempts) {
      // Every earlier delivery ended without an answer (consumer killed): a message that
      // keeps killing its workers must not circulate forever.
      const error = lostDeliveriesError(row.attempt - 1, row.last_error);
      try {
        if (this.db.deadLetter(row.seq, this.owner, error.message, Date.now())) void this.notifyDead(message, error);
      } catch {
        // Still leased to us; it comes back after the lease and is dead-lettered then.
      }
      return;
    }
    const entry: InFlight = { controller: new AbortController(), done: Promise.resolve(), handedBack: false };
    this.inflight.set(row.seq, entry);
    entry.done = this.run(row.seq, message, entry)
      .catch(() => {
        // The ack/retry write failed (file locked too long): the lease expires and the
        // message is delivered again, which at-least-once allows.
      })
      .finally(() => {
        this.inflight.delete(row.seq);
        if (!this.closing) this.schedule(0);
      });
  }

  private async run(seq: number, message: DeliveredMessage, entry: InFlight): Promise<void> {
    try {
      await this.processor(message, entry.controller.signal);
      if (!entry.handedBack) this.db.ack(seq, this.owner);
    } catch (raw) {
      if (entry.handedBack) return;
      const error = toError(raw);
      if (message.attempt >= this.settings.maxAttempts) {
        if (this.db.deadLetter(seq, this.owner, error.message, Date.now())) await this.notifyDead(message, error);
      } else {
        this.db.retry(seq, this.owner, Date.now() + retryDelayMs(message.attempt, this.settings), error.message);
      }
    }
    notifyLocalWrite(this.db.file);
  }

  private async notifyDead(message: DeliveredMessage, error: Error): Promise<void> {
    try {
      await this.settings.onDeadLetter?.(message, error);
    } catch {
      // The hook is best effort; the message is safely in the dead-letter table already.
    }
  }

  private handBack(seq: number, entry: InFlight): void {
    if (entry.handedBack) return;
    entry.handedBack = true;
    entry.controller.abort(CLOSING);
    try {
      this.db.release(seq, this.owner, Date.now());
    } catch {
      // If even this fails the lease simply expires and the message is redelivered.
    }
  }

  close(options: { drain: boolean; timeoutMs?: number } = { drain: true }): Promise<void> {
    this.closed ??= this.shutdown(options);
    return this.closed;
  }

  private async shutdown(options: { drain: boolean; timeoutMs?: number }): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.unwatch?.();
    const settle = (limitMs: number | undefined) => {
      const all = Promise.allSettled([...this.inflight.values()].map((e) => e.done)).then(() => undefined);
      if (limitMs === undefined) return all;
      return Promise.race([all, new Promise<void>((r) => setTimeout(r, limitMs).unref())]);
    };
    if (options.drain) await settle(options.timeoutMs);
    // Whatever is still running is handed back at once, so another consumer can take it
    // while this one finishes tearing down.
    for (const [seq, entry] of this.inflight) this.handBack(seq, entry);
    notifyLocalWrite(this.db.file);
    await settle(options.timeoutMs ?? 5_000);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.onClosed();
  }
}
