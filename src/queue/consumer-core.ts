/**
 * The consumer policy every queue backend shares (the idea of BullMQ's `QueueBase`): attempts,
 * exponential backoff, dead-lettering with the error that caused it, hand-back on shutdown and
 * the close sequence. A backend's consumer extends this class and is only the transport: it
 * turns what it receives into a `Delivery` whose `settlement` says how to ack, retry,
 * dead-letter or hand back a message there, and it says how to stop taking messages.
 *
 * Each delivery is settled exactly once, by whichever comes first: its processor's end or
 * close()'s hand-back.
 */
import { retryDelayMs } from './backoff.js';
import { handBackReason, lostDeliveriesError, reasonOf, toError, undecodableError } from './delivery-errors.js';
import type { CloseOptions, ConsumerOptions, DeliveredMessage, MessageHeaders, Processor, QueueConsumer } from './queue-backend.js';
import { settledWithin } from './settled-within.js';

/** Visibility timeout when neither the consumer nor its backend names one. */
export const DEFAULT_LEASE_MS = 10_000;
/** How long close() gives aborted processors to stop once their messages were handed back (no `timeoutMs`). */
const HAND_BACK_GRACE_MS = 5_000;

/**
 * What a transport does with one delivery; the policy decides which. A throw from any of these
 * leaves the message to the transport's own redelivery (after `abandon`).
 */
export interface Settlement {
  /** Processed: remove it. */
  ack(): void | Promise<void>;
  /** Failed with attempts left: offer it again after `delayMs`, keeping `reason` as its last error. */
  retry(delayMs: number, reason: string): void | Promise<void>;
  /**
   * Exhausted: move it to the dead letters with `reason`, keeping `payload` (JSON) instead of its
   * body when given (`ConsumerOptions.deadLetterPayload`). false: it was no longer ours (lease
   * lost), so nobody is told.
   */
  deadLetter(reason: string, payload?: string): boolean | Promise<boolean>;
  /** Shutdown: give it back at once, not counted as an attempt. */
  handBack(): void | Promise<void>;
  /** One of the above threw: put it back by the transport's last resort (RabbitMQ: nack with requeue). */
  abandon?(): void | Promise<void>;
}

/** One message as received, before the policy looks at it. */
export interface Delivery {
  /** The id given at publish time; known even when the body cannot be decoded. */
  id: string;
  /** 1 on first delivery; every earlier delivery counts, failed or lost with its consumer (hand-backs do not). */
  attempt: number;
  /** The error text of the last attempt that failed, when the transport keeps one. */
  lastError: string | null;
  /** Parses payload and headers; a throw dead-letters the message at once. */
  decode(): { payload: unknown; headers: MessageHeaders };
  settlement: Settlement;
}

interface InFlight {
  readonly delivery: Delivery;
  readonly controller: AbortController;
  settled: boolean;
  /** The policy's work on it is over (its processor ended, or never started). */
  finished: Promise<void>;
  /** The transport carried out the settlement (possibly ahead of a processor slow to notice a hand-back). */
  readonly markSettled: () => void;
}

export abstract class ConsumerCore implements QueueConsumer {
  /** Set by the backend that made this consumer, to forget it once closed. */
  onClosed: () => void = () => {};
  /** This consumer's visibility timeout (see `ConsumerOptions.leaseMs`). */
  protected readonly leaseMs: number;
  private readonly inflight = new Set<InFlight>();
  /** Transport work close() must wait for that is no delivery of the policy's (RabbitMQ's lost-delivery copies). */
  private readonly chores = new Set<Promise<void>>();
  private stopping = false;
  private closed: Promise<void> | null = null;

  protected constructor(
    private readonly processor: Processor,
    protected readonly options: ConsumerOptions,
    backendLeaseMs?: number,
  ) {
    this.leaseMs = options.leaseMs ?? backendLeaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Stop receiving: no delivery starts after this resolves (one already on the wire is handed back). */
  protected abstract stopIntake(): void | Promise<void>;
  /** Last step of close(): timers, channels, connections. */
  protected abstract releaseTransport(): void | Promise<void>;
  /** A delivery's processor ended (a slot is free again). */
  protected deliveryFinished(): void {}

  /** Deliveries whose processor is still running (or about to). */
  protected get inFlight(): number {
    return this.inflight.size;
  }

  protected get closing(): boolean {
    return this.stopping;
  }

  /**
   * Runs one delivery under the policy. Resolves once the transport carried out its settlement
   * (ack, retry, dead letter, hand-back), which for a hand-back may be before its processor
   * stopped. Never rejects.
   */
  protected deliver(delivery: Delivery): Promise<void> {
    let markSettled: () => void = () => {};
    const outcome = new Promise<void>((resolve) => (markSettled = resolve));
    const entry: InFlight = { delivery, controller: new AbortController(), settled: false, finished: Promise.resolve(), markSettled };
    this.inflight.add(entry);
    entry.finished = this.run(entry).finally(() => {
      this.inflight.delete(entry);
      this.deliveryFinished();
    });
    return outcome;
  }

  /** Have close() wait for transport work that settles a message outside the policy. */
  protected track(chore: Promise<void>): void {
    const tracked: Promise<void> = chore.catch(() => undefined).finally(() => this.chores.delete(tracked));
    this.chores.add(tracked);
  }

  private async run(entry: InFlight): Promise<void> {
    const { delivery } = entry;
    let message: DeliveredMessage;
    try {
      message = { id: delivery.id, ...delivery.decode(), attempt: delivery.attempt, deliveredAt: Date.now() };
    } catch (err) {
      const unread: DeliveredMessage = { id: delivery.id, payload: null, headers: {}, attempt: delivery.attempt, deliveredAt: Date.now() };
      return this.deadLetter(entry, unread, undecodableError(err), false);
    }
    if (this.stopping) return this.handBack(entry);
    if (message.attempt > this.options.maxAttempts) {
      // Its last allowed delivery ended without an answer (the consumer died): a message that
      // keeps killing its consumers must not circulate forever.
      return this.deadLetter(entry, message, lostDeliveriesError(message.attempt - 1, delivery.lastError));
    }
    try {
      await this.processor(message, entry.controller.signal);
      await this.settle(entry, (s) => s.ack());
    } catch (raw) {
      if (entry.settled) return; // handed back meanwhile: the abort is no failure
      const error = toError(raw);
      if (message.attempt >= this.options.maxAttempts) await this.deadLetter(entry, message, error);
      else await this.settle(entry, (s) => s.retry(retryDelayMs(message.attempt, this.options), reasonOf(error)));
    }
  }

  /** Settle once; false when it was settled already, or the transport could not (then it is abandoned). */
  private async settle(entry: InFlight, action: (settlement: Settlement) => void | boolean | Promise<void | boolean>): Promise<boolean> {
    if (entry.settled) return false;
    entry.settled = true;
    const { settlement } = entry.delivery;
    try {
      return (await action(settlement)) !== false;
    } catch {
      try {
        await settlement.abandon?.();
      } catch {
        // Left to the transport's own redelivery: the lease expires, the broker requeues.
      }
      return false;
    } finally {
      entry.markSettled();
    }
  }

  private async deadLetter(entry: InFlight, message: DeliveredMessage, error: Error, decoded = true): Promise<void> {
    const kept = this.keptPayload(message, decoded);
    if (!(await this.settle(entry, (s) => s.deadLetter(reasonOf(error), kept)))) return;
    try {
      await this.options.onDeadLetter?.(message, error);
    } catch {
      // Best effort: the message is safely among the dead letters already.
    }
  }

  /** The JSON a dead letter keeps instead of the body; undefined: the body itself. */
  private keptPayload(message: DeliveredMessage, decoded: boolean): string | undefined {
    const keep = this.options.deadLetterPayload;
    if (!keep) return undefined;
    if (!decoded) return 'null';
    try {
      return JSON.stringify(keep(message.payload) ?? null);
    } catch {
      return 'null';
    }
  }

  private async handBack(entry: InFlight): Promise<void> {
    await this.settle(entry, (s) => {
      entry.controller.abort(handBackReason());
      return s.handBack();
    });
  }

  close(options: CloseOptions = { drain: true }): Promise<void> {
    this.closed ??= this.shutdown(options);
    return this.closed;
  }

  private async shutdown({ drain, timeoutMs }: CloseOptions): Promise<void> {
    this.stopping = true;
    try {
      await this.stopIntake();
    } catch {
      // The transport is gone already: nothing new can arrive either.
    }
    if (drain) await settledWithin(this.pending(), timeoutMs);
    // Whatever still runs is handed back at once, so another consumer can take it while this
    // one waits for its processors to stop.
    await Promise.all([...this.inflight].map((entry) => this.handBack(entry)));
    await settledWithin(this.pending(), timeoutMs ?? HAND_BACK_GRACE_MS);
    try {
      await this.releaseTransport();
    } finally {
      this.onClosed();
    }
  }

  private pending(): Promise<void>[] {
    return [...[...this.inflight].map((entry) => entry.finished), ...this.chores];
  }
}
