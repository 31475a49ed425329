/**
 * The Redis consumer transport: a BullMQ Worker whose processor hands each job to the shared
 * policy (src/queue/consumer-core.ts), then tells BullMQ the verdict the way BullMQ expects
 * it: return (done), a `RetryAfter` throw (BullMQ's retry, with the policy's delay through the
 * custom backoff strategy), `UnrecoverableError` (to the failed set: the dead letters) or
 * `WaitingError` after moving the job back to `wait` itself (hand-back).
 */
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ConsumerCore, type Delivery } from './consumer-core.js';
import type { ConsumerOptions, DeliveredMessage, MessageHeaders, Processor } from './queue-backend.js';
import { settledWithin } from './settled-within.js';

export interface JobData {
  /** The message id as published (the job id is an encoded form of it). */
  id?: string;
  /** Deliveries handed back on shutdown; they do not count as attempts. */
  handBacks?: number;
  payload: unknown;
  headers: MessageHeaders;
}

/** The type name of the backoff every job is published with; the consumer supplies its strategy. */
export const BACKOFF_TYPE = 'diffscope';
/** How long close() lets BullMQ finish its bookkeeping once every job was settled. */
const WORKER_CLOSE_GRACE_MS = 5_000;

/** A failed attempt with attempts left, carrying the policy's retry delay to the backoff strategy. */
class RetryAfter extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RetryAfter';
  }
}

/** BullMQ counts every start; hand-backs are not attempts (as on the other backends). */
export function attemptOf(job: Job<JobData>): number {
  return Math.max(1, job.attemptsStarted - (job.data.handBacks ?? 0));
}

export function toDelivered(job: Job<JobData>): DeliveredMessage {
  return {
    id: job.data.id ?? String(job.id),
    payload: job.data.payload,
    headers: job.data.headers ?? {},
    attempt: attemptOf(job),
    deliveredAt: Date.now(),
  };
}

export class RedisConsumer extends ConsumerCore {
  private worker: Worker<JobData> | null = null;
  private workerClosed: Promise<void> | null = null;

  constructor(
    private readonly name: string,
    processor: Processor,
    options: ConsumerOptions,
    backendLeaseMs: number | undefined,
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {
    super(processor, options, backendLeaseMs);
  }

  async start(): Promise<void> {
    this.worker = new Worker<JobData>(this.name, (job, token) => this.process(job, token), {
      connection: this.connection,
      prefix: this.prefix,
      concurrency: this.options.concurrency,
      lockDuration: this.leaseMs,
      stalledInterval: Math.max(100, Math.floor(this.leaseMs / 2)),
      // Safety net only: the policy dead-letters a job whose workers keep dying first.
      maxStalledCount: this.options.maxAttempts,
      drainDelay: 5,
      settings: {
        backoffStrategy: (_attemptsMade: number, _type?: string, err?: Error) => (err instanceof RetryAfter ? err.delayMs : 0),
      },
    });
    this.worker.on('error', () => {
      // Connection errors are retried by ioredis; without a listener they would crash the process.
    });
    await this.worker.waitUntilReady();
  }

  private async process(job: Job<JobData>, token: string | undefined): Promise<void> {
    const verdict: { error?: Error } = {};
    await this.deliver(this.deliveryOf(job, token, verdict));
    if (verdict.error) throw verdict.error;
  }

  /** BullMQ moves the job after the processor returns, so most verdicts are recorded here and thrown then. */
  private deliveryOf(job: Job<JobData>, token: string | undefined, verdict: { error?: Error }): Delivery {
    return {
      id: job.data.id ?? String(job.id),
      attempt: attemptOf(job),
      // BullMQ keeps the reason of the last failure on the job across retries.
      lastError: job.failedReason || null,
      decode: () => ({ payload: job.data.payload, headers: job.data.headers ?? {} }),
      settlement: {
        ack: () => {},
        retry: (delayMs, reason) => void (verdict.error = new RetryAfter(delayMs, reason)),
        deadLetter: async (reason, payload) => {
          // The failed set is the dead letters: what it may keep replaces the job's data first.
          if (payload !== undefined) await job.updateData({ ...job.data, payload: JSON.parse(payload) as unknown });
          verdict.error = new UnrecoverableError(reason);
          return true;
        },
        handBack: async () => {
          await job.updateData({ ...job.data, handBacks: (job.data.handBacks ?? 0) + 1 });
          await job.moveToWait(token);
          verdict.error = new WaitingError();
        },
        // Still active under our lock, which is no longer extended: stalled, then redelivered.
        abandon: () => void (verdict.error = new WaitingError()),
      },
    };
  }

  protected stopIntake(): void {
    // BullMQ stops fetching at once and resolves when its active jobs are done.
    this.workerClosed = this.worker?.close().catch(() => undefined) ?? null;
  }

  protected async releaseTransport(): Promise<void> {
    if (this.workerClosed) await settledWithin([this.workerClosed], WORKER_CLOSE_GRACE_MS);
    await this.connection.quit().catch(() => undefined);
  }
}
