/**
 * Redis queue through BullMQ. Retries, backoff and the dead-letter set are BullMQ's own
 * machinery: jobs are added with a generous `attempts` and a custom backoff type, and the
 * consumer (src/queue/redis-consumer.ts) decides, by the shared policy, whether a failure is
 * retried (with which delay) or dead-lettered. Dead letters are BullMQ's failed set, kept a
 * week. Stalled-job detection (lock = visibility timeout) redelivers the job of a killed worker.
 *
 * Trace context travels in the job data (`{payload, headers}`), untouched; bullmq-otel is
 * not used because the serving code makes its own `queue.publish`/`queue.wait` spans. */
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type {
  ConsumerOptions,
  DeadLetter,
  MessageHeaders,
  Processor,
  QueueBackend,
  QueueConsumer,
  QueueProducer,
} from './queue-backend.js';
import { BACKOFF_TYPE, RedisConsumer, toDelivered, type JobData } from './redis-consumer.js';

export interface RedisQueueOptions {
  url: string;
  /** BullMQ key prefix. */
  prefix?: string;
  /** Default lock duration (visibility timeout) for consumers. */
  leaseMs?: number;
  /** Producer side (publish, depth, dead letters): a command without an answer after this fails (default 2000 ms). */
  commandTimeoutMs?: number;
}

/** BullMQ rejects job ids that are integers or contain `:`; this keeps any id usable. */
function jobIdFor(id: string): string {
  return `m.${id.replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}

/** The consumer decides when to stop; this only has to exceed any sane `maxAttempts`. */
const ATTEMPTS_CEILING = 1_000;
const DEAD_LETTER_RETENTION_S = 7 * 24 * 3_600;

export class RedisQueueBackend implements QueueBackend {
  readonly kind = 'redis' as const;
  private readonly queues = new Map<string, Queue>();
  private readonly consumers = new Set<RedisConsumer>();

  private constructor(
    private readonly connection: Redis,
    private readonly producerConnection: Redis,
    private readonly options: RedisQueueOptions,
  ) {}

  static async connect(options: RedisQueueOptions): Promise<RedisQueueBackend> {
    // maxRetriesPerRequest null: BullMQ requires it so that the consumers' commands wait out a reconnect.
    const connection = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: true });
    connection.on('error', () => {
      // Reconnects by itself; without a listener ioredis prints every failed reconnect.
    });
    // The producer side answers HTTP requests: while Redis is down or stalled its commands fail
    // at once (no offline queue) or after a deadline, so the API answers 503 instead of hanging,
    // and nothing it gave up on is replayed when Redis returns.
    const producerConnection = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      autoResendUnfulfilledCommands: false,
    });
    producerConnection.on('error', () => {
      // ioredis reconnects by itself; commands fail meanwhile and callers see those errors.
    });
    await connection.connect();
    await producerConnection.connect();
    return new RedisQueueBackend(connection, producerConnection, options);
  }

  private get prefix(): string {
    return this.options.prefix ?? 'diffscope';
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      const created = new Queue(name, { connection: this.producerConnection, prefix: this.prefix });
      // BullMQ sets a queue up once (version check, scripts) and keeps a failed setup for every
      // later command: a queue first used while Redis was down or stalled would fail for good.
      // It is forgotten, so the first call after Redis is back makes a fresh one. (close() leaves
      // the shared producer connection open.)
      created.waitUntilReady().catch(() => {
        if (this.queues.get(name) === created) this.queues.delete(name);
        created.close().catch(() => undefined);
      });
      this.queues.set(name, created);
      queue = created;
    }
    return queue;
  }

  async producer(name: string): Promise<QueueProducer> {
    return {
      publish: async (id: string, payload: unknown, headers: MessageHeaders) => {
        const data: JobData = { id, payload, headers };
        // Looked up on each publish: the queue may have been made again since (see queue()).
        await this.queue(name).add('job', data, {
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
    const connection = this.connection.duplicate({ maxRetriesPerRequest: null });
    const consumer = new RedisConsumer(name, processor as Processor, options, this.options.leaseMs, connection, this.prefix);
    this.consumers.add(consumer);
    consumer.onClosed = () => this.consumers.delete(consumer);
    await consumer.start();
    return consumer;
  }

  async depth(name: string): Promise<number> {
    const counts = await this.queue(name).getJobCounts('wait', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /** Live: waiting, delayed (a retry's backoff), prioritized or active; not completed (removed) nor failed (the dead letters). */
  async has(name: string, id: string): Promise<boolean> {
    const state = await this.queue(name).getJobState(jobIdFor(id));
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  }

  async deadLetters(name: string): Promise<DeadLetter[]> {
    const jobs = (await this.queue(name).getFailed(0, -1)) as Job<JobData>[];
    return jobs.map((job) => ({ ...toDelivered(job), deliveredAt: job.finishedOn ?? job.timestamp, error: job.failedReason }));
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
    await this.producerConnection.quit().catch(() => undefined);
  }
}
