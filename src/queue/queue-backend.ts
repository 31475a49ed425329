/**
 * The storage contract every queue implementation meets (embedded SQLite, Redis/BullMQ,
 * RabbitMQ). One conformance suite (test/queue/conformance.ts) runs against each.
 *
 * Delivery is at-least-once: a message is redelivered when its consumer dies or its
 * processor throws; processors must therefore be idempotent (the worker is, through the
 * generation store's once-only completion).
 */

/** Message metadata: W3C `traceparent`/`tracestate`/`baggage`, `request_id`, `enqueued_at` (ms since epoch). */
export type MessageHeaders = Record<string, string>;

export interface DeliveredMessage<T = unknown> {
  /** Stable id given at publish time (the request id for generation jobs). */
  id: string;
  payload: T;
  headers: MessageHeaders;
  /** 1 on first delivery, incremented on each redelivery/retry. */
  attempt: number;
  /** When this delivery was handed to the processor (ms since epoch). */
  deliveredAt: number;
}

/** Throws → retried with backoff until `maxAttempts`, then dead-lettered. Honour `signal` (shutdown). */
export type Processor<T = unknown> = (message: DeliveredMessage<T>, signal: AbortSignal) => Promise<void>;

export interface ConsumerOptions {
  concurrency: number;
  maxAttempts: number;
  /** First retry delay; doubles each attempt (exponential backoff), capped at `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /**
   * Called once when a message was dead-lettered: its last allowed attempt threw (`error` is
   * that throw), it came round after its last allowed delivery died with its consumer (`error`
   * says so and carries the last thrown error's text), or its body could not be decoded.
   */
  onDeadLetter?: (message: DeliveredMessage, error: Error) => void | Promise<void>;
  /**
   * What a dead letter keeps of the payload (default: all of it). Dead letters are kept for
   * operators, so a payload with private parts (the generation job's prompt) is replaced here
   * by what may stay. With it, a body that could not be decoded is kept as `null`.
   */
  deadLetterPayload?: (payload: unknown) => unknown;
  /**
   * Visibility timeout: a delivery whose consumer stops renewing it (process killed) is
   * redelivered after about this long (SQLite lease, BullMQ lock). The backend's default when
   * absent, else `DEFAULT_LEASE_MS` (src/queue/consumer-core.ts). RabbitMQ needs none: the
   * broker redelivers as soon as the connection drops.
   */
  leaseMs?: number;
}

/**
 * A message in the dead-letter queue: `attempt` is the one `onDeadLetter` was given,
 * `deliveredAt` when it was dead-lettered.
 */
export interface DeadLetter extends DeliveredMessage {
  /** Why: the last attempt's error text, or the lost-deliveries text that carries it. */
  error: string;
}

export interface CloseOptions {
  /** true: wait for in-flight processors to finish; false: abort them and hand their messages back. */
  drain: boolean;
  /** With `drain`, how long to wait before handing back what still runs; then how long aborted processors get to stop. */
  timeoutMs?: number;
}

export interface QueueProducer {
  publish(id: string, payload: unknown, headers: MessageHeaders): Promise<void>;
}

export interface QueueConsumer {
  /**
   * Stop taking new messages. `drain: true` (the default) waits for in-flight processors to
   * finish; `drain: false` aborts them and hands their messages back for redelivery, not
   * counted as an attempt.
   */
  close(options?: CloseOptions): Promise<void>;
}

export interface QueueBackend {
  readonly kind: 'sqlite' | 'redis' | 'rabbitmq';
  producer(queue: string): Promise<QueueProducer>;
  consume<T>(queue: string, processor: Processor<T>, options: ConsumerOptions): Promise<QueueConsumer>;
  /** Messages waiting (not in flight), for backpressure. */
  depth(queue: string): Promise<number>;
  /**
   * Whether a message with this id is still the queue's: waiting, in flight or waiting for a
   * retry (not acked, not dead-lettered). The reconciler (src/generation/reconciler.ts) fails a
   * generation that has none. null: this backend cannot tell without disturbing the queue
   * (RabbitMQ has no lookup by message id).
   */
  has(queue: string, id: string): Promise<boolean | null>;
  /** Messages in the dead-letter queue, for operators and tests. */
  deadLetters(queue: string): Promise<DeadLetter[]>;
  /** Remove a queue with its retry and dead-letter parts (tests, operators). */
  deleteQueue(queue: string): Promise<void>;
  close(): Promise<void>;
}
