/**
 * Redis queue through BullMQ. Retries, backoff and the dead-letter set are BullMQ's own
 * machinery: jobs are added with a generous `attempts` and a custom backoff type whose
 * strategy the consumer supplies, and the consumer turns the failure of its last allowed
 * attempt into an `UnrecoverableError`, so the retry policy stays a consumer option (as
 * with the other backends). Dead letters are BullMQ's failed set (kept, never removed).
 * Stalled-job detection (lock = visibility timeout) redelivers the job of a killed worker.
 *
 * Trace context travels in the job data (`{payload, headers}`), untouched; bullmq-otel is
 * not used because the serving code makes its own `queue.publish`/`queue.wait` spans.
 */
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
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

export interface RedisQueueOptions {
  url: string;
  /** BullMQ key prefix. */
  prefix?: string;
  /** Default lock duration (visibility timeout) for consumers. */
  leaseMs?: number;
}

interface JobData {
  /** The message id as published (the job id is an encoded form of it). */
  id?: string;
  /** Deliveries handed back on shutdown; they do not count as attempts. */
  handBacks?: number;
  payload: unknown;
  headers: MessageHeaders;
}

/** BullMQ rejects job ids that are integers or contain `:`; this keeps any id usable. */
function jobIdFor(id: string): string {
  return `m.${id.replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}

const BACKOFF_TYPE = 'diffscope';
/** The consumer decides when to stop; this only has to exceed any sane `maxAttempts`. */
const ATTEMPTS_CEILING = 1_000;
const DEFAULT_LEASE_MS = 10_000;
const DEAD_LETTER_RETENTION_S = 7 * 24 * 3_600;

function toDelivered(job: Job<JobData>): DeliveredMessage {
  return {
    id: job.data.id ?? String(job.id),
    payload: job.data.payload,
    headers: job.data.headers ?? {},
    // BullMQ counts every start; hand-backs are not attempts (as on the other backends).
    attempt: Math.max(1, job.attemptsStarted - (job.data.handBacks ?? 0)),
    deliveredAt: Date.now(),
  };
}

export class RedisQueueBackend implements QueueBackend {
  readonly kind = 'redis' as const;
  private readonly queues = new Map<string, Queue>();
  private readonly consumers = new Set<RedisConsumer>();

  private constructor(
    private readonly connection: Redis,
    private readonly options: RedisQueueOptions,
  ) {}

  static async connect(options: RedisQueueOptions): Promise<RedisQueueBackend> {
    // maxRetriesPerRequest null: BullMQ requires it so that commands wait out a reconnect.
    const connection = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: true });
    await connection.connect();
    return new RedisQueueBackend(connection, options);
  }

  private get prefix(): string {
    return this.options.prefix ?? 'diffscope';
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async producer(name: string): Promise<QueueProducer> {
    const queue = this.queue(name);
    return {
      publish: async (id: string, payload: unknown, headers: MessageHeaders) => {
        const data: JobData = { id, payload, headers };
        await queue.add('job', data, {
          jobId: jobIdFor(id),
          attempts: ATTEMPTS_CEILING,
          backoff: { type: BACKOFF_TYPE },
          removeOnComplete: true,
          // Dead letters stay a week for operators, then go, so Redis memory stays bounded.
          removeOnFail: { age: DEAD_LETTER_RETENTION_S },
        });
      },
    };
  }

  async consume<T>(name: string, processor: Processor<T>, options: ConsumerOptions): Promise<QueueConsumer> {
    const consumer = new RedisConsumer(
      name,
      processor as Processor,
      { ...options, leaseMs: options.leaseMs ?? this.options.leaseMs ?? DEFAULT_LEASE_MS },
      this.connection.duplicate({ maxRetriesPerRequest: null }),
      this.prefix,
    );
    this.consumers.add(consumer);
    consumer.onClosed = () => this.consumers.delete(consumer);
    await consumer.start();
    return consumer;
  }

  async depth(name: string): Promise<number> {
    const counts = await this.queue(name).getJobCounts('wait', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async deadLetters(name: string): Promise<DeliveredMessage[]> {
    const jobs = (await this.queue(name).getFailed(0, -1)) as Job<JobData>[];
    return jobs.map((job) => ({ ...toDelivered(job), deliveredAt: job.finishedOn ?? job.timestamp }));
  }

  async deleteQueue(name: string): Promise<void> {
    const queue = this.queue(name);
    await queue.obliterate({ force: true });
    await queue.close();
    this.queues.delete(name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close({ drain: false })));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    await this.connection.quit().catch(() => undefined);
  }
}

class RedisConsumer implements QueueConsumer {
  onClosed: () => void = () => {};
  private worker: Worker<JobData> | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly name: string,
    private readonly processor: Processor,
    private readonly settings: ConsumerOptions & { leaseMs: number },
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  async start(): Promise<void> {
    const { leaseMs } = this.settings;
    this.worker = new Worker<JobData>(
      this.name,
      // Three declared parameters: BullMQ passes the AbortSignal only to such processors.
      (job: Job<JobData>, token: string | undefined, signal: AbortSignal | undefined) => this.process(job, token, signal),
      {
        connection: this.connection,
        prefix: this.prefix,
        concurrency: this.settings.concurrency,
        lockDuration: leaseMs,
        stalledInterval: Math.max(100, Math.floor(leaseMs / 2)),
        // Safety net only: process() dead-letters a job whose workers keep dying first.
        maxStalledCount: this.settings.maxAttempts,
        drainDelay: 5,
        settings: {
          backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, this.settings),
        },
      },
    );
    this.worker.on('error', () => {
      // Connection errors are retried by ioredis; without a listener they would crash the process.
    });
    await this.worker.waitUntilReady();
  }

  private async process(job: Job<JobData>, token: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    const message = toDelivered(job);
    if (message.attempt > this.settings.maxAttempts) {
      // Every earlier delivery ended without an answer (its worker died): a job that keeps
      // killing workers is dead-lettered here, before BullMQ's own stalled limit, so that
      // onDeadLetter runs (once, in the worker that took it).
      const error = lostDeliveriesError(message.attempt - 1);
      await this.notifyDead(message, error);
      throw new UnrecoverableError(error.message);
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const work = this.processor(message, controller.signal);
    work.catch(() => undefined); // settled below or abandoned on hand-back
    // On close({drain:false}) the job goes back to `wait` at once, even if the processor
    // is slow to notice its aborted signal.
    const handedBack = new Promise<'handed-back'>((resolve) => {
      controller.signal.addEventListener('abort', () => this.closing && resolve('handed-back'), { once: true });
    });
    try {
      const outcome = await Promise.race([work.then(() => 'done' as const), handedBack]);
      if (outcome === 'handed-back') throw new WaitingError();
    } catch (raw) {
      if (this.closing && controller.signal.aborted) {
        // Recorded so that the hand-back does not count as an attempt.
        await job.updateData({ ...job.data, handBacks: (job.data.handBacks ?? 0) + 1 });
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const error = toError(raw);
      if (message.attempt >= this.settings.maxAttempts) {
        await this.notifyDead(message, error);
        throw new UnrecoverableError(error.message);
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async notifyDead(message: DeliveredMessage, error: Error): Promise<void> {
    try {
      await this.settings.onDeadLetter?.(message, error);
    } catch {
      // best effort; the job lands in the failed set regardless
    }
  }

  close(options: { drain: boolean; timeoutMs?: number } = { drain: true }): Promise<void> {
    this.closed ??= this.shutdown(options);
    return this.closed;
  }

  private async shutdown(options: { drain: boolean; timeoutMs?: number }): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
    if (options.drain) {
      const closedInTime = await Promise.race([worker.close(false).then(() => 'closed' as const), timeout(options.timeoutMs ?? 2 ** 31 - 1)]);
      if (closedInTime === 'closed') return this.finish();
    }
    this.closing = true;
    worker.cancelAllJobs('queue consumer closing: message handed back');
    await Promise.race([worker.close(false), timeout(options.timeoutMs ?? 5_000)]);
    await worker.close(true).catch(() => undefined);
    await this.finish();
  }

  private async finish(): Promise<void> {
    await this.connection.quit().catch(() => undefined);
    this.onClosed();
  }
}
