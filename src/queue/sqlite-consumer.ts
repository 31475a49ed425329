/**
 * The embedded queue's consumer transport: polls the SQLite file for messages it can lease
 * (woken at once by local writes), renews its leases with a heartbeat while processors run,
 * and turns the policy's verdicts (src/queue/consumer-core.ts) into row updates.
 */
import { randomUUID } from 'node:crypto';
import { ConsumerCore, type Delivery } from './consumer-core.js';
import { notifyLocalWrite, onFileWrite } from './file-write-signal.js';
import type { ConsumerOptions, MessageHeaders, Processor } from './queue-backend.js';
import type { MessageRow, SqliteQueueDb } from './sqlite-queue-db.js';

export interface SqlitePolling {
  /** Poll interval right after activity; doubles while idle up to `maxPollMs`. */
  minPollMs: number;
  maxPollMs: number;
  /** Wake when any local process writes the file (inotify). */
  wakeOnWrite: boolean;
}

export function parseHeaders(json: string): MessageHeaders {
  return JSON.parse(json) as MessageHeaders;
}

export class SqliteConsumer extends ConsumerCore {
  /** Lease owner: one per consumer, so a restarted process never renews a dead one's leases. */
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  /** A poll queued with setImmediate (no 1 ms timer floor) is pending. */
  private immediate = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private unwatch: (() => void) | null = null;
  private pollDelayMs: number;

  constructor(
    private readonly db: SqliteQueueDb,
    private readonly queue: string,
    processor: Processor,
    options: ConsumerOptions,
    backendLeaseMs: number,
    private readonly polling: SqlitePolling,
  ) {
    super(processor, options, backendLeaseMs);
    this.pollDelayMs = polling.minPollMs;
  }

  start(): void {
    if (this.polling.wakeOnWrite) this.unwatch = onFileWrite(this.db.file, () => this.wake());
    const renewEvery = Math.max(50, Math.floor(this.leaseMs / 3));
    this.heartbeat = setInterval(() => {
      if (this.inFlight === 0) return;
      // Locked past lockWaitMs: the next beat renews, well before the lease ends.
      this.db.locked(() => this.db.renew(this.owner, Date.now() + this.leaseMs)).catch(() => undefined);
    }, renewEvery);
    this.heartbeat.unref();
    this.schedule(0);
  }

  private wake(): void {
    if (this.closing || this.inFlight >= this.options.concurrency) return;
    this.pollDelayMs = this.polling.minPollMs;
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
    const free = this.options.concurrency - this.inFlight;
    if (free <= 0) return; // a finishing processor schedules the next poll
    let rows: MessageRow[] = [];
    try {
      rows = this.db.claim(this.queue, this.owner, free, Date.now(), this.leaseMs);
    } catch {
      // SQLITE_BUSY past the short busy_timeout: another process holds the write lock; the next poll tries again.
    }
    for (const row of rows) void this.deliver(this.deliveryOf(row));
    if (rows.length > 0) this.pollDelayMs = this.polling.minPollMs;
    else this.pollDelayMs = Math.min(this.pollDelayMs * 2, this.polling.maxPollMs);
    if (this.inFlight < this.options.concurrency) this.schedule(rows.length > 0 ? 0 : this.pollDelayMs);
  }

  /**
   * Every write is conditional on our lease (`lease_owner`): a lease lost meanwhile changes
   * nothing. Each waits for a lock another process holds off the event loop (`locked`).
   */
  private deliveryOf(row: MessageRow): Delivery {
    const { seq } = row;
    const write = async <T>(change: () => T): Promise<T> => {
      const result = await this.db.locked(change);
      notifyLocalWrite(this.db.file); // wakes local consumers waiting for a free message
      return result;
    };
    return {
      id: row.id,
      attempt: row.attempt,
      lastError: row.last_error,
      decode: () => ({ payload: JSON.parse(row.payload) as unknown, headers: parseHeaders(row.headers) }),
      settlement: {
        ack: async () => {
          await write(() => this.db.ack(seq, this.owner));
        },
        retry: async (delayMs, reason) => {
          await write(() => this.db.retry(seq, this.owner, Date.now() + delayMs, reason));
        },
        deadLetter: (reason, payload) => write(() => this.db.deadLetter(seq, this.owner, reason, Date.now(), payload)),
        handBack: async () => {
          await write(() => this.db.release(seq, this.owner, Date.now()));
        },
        // No `abandon`: after a failed write (file locked too long) the lease expires and the
        // message is delivered again, which at-least-once allows.
      },
    };
  }

  protected override deliveryFinished(): void {
    if (!this.closing) this.schedule(0);
  }

  protected stopIntake(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unwatch?.();
  }

  protected releaseTransport(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
  }
}
