/**
 * Accepting a generation: record it in the shared store, then publish the job with the
 * trace context (span `queue.publish`, PRODUCER). Shared by the native and the OpenAI
 * endpoints. The record is written first so a fast worker always finds it, and writing it is
 * also the admission: the store counts and inserts in one atomic step against the global
 * queue-depth limit and the client's quotas (AdmissionQuota), so concurrent requests cannot
 * overshoot them. The generations that end here (a failed enqueue, a client's cancel while
 * queued) end through the same GenerationLifecycle as the worker's.
 */
import { paramLogFields } from '../contract/generation-params.js';
import { DiffscopeError } from '../errors/index.js';
import {
  CANCELED_BY_CLIENT,
  CompletionPublisher,
  ENQUEUE_FAILED,
  GenerationLifecycle,
  type Admission,
  type AdmissionQuota,
  type GenerationJob,
  type GenerationParams,
  type GenerationRecord,
  type GenerationStore,
  type WebhookSpec,
} from '../generation/index.js';
import type { QueueBackend, QueueProducer } from '../queue/index.js';
import { ATTR, SpanKind, injectMessageHeaders, promptHash, withSpan, type Logger } from '../telemetry/index.js';

export interface EnqueueInput {
  id: string;
  clientId: string;
  traceId: string;
  prompt: string;
  negativePrompt?: string;
  params: GenerationParams;
  webhook?: WebhookSpec;
}

export interface GenerationServiceOptions {
  queue: QueueBackend;
  producer: QueueProducer;
  queueName: string;
  store: GenerationStore;
  logger: Logger;
  quota: AdmissionQuota;
  completionQueue: string;
}

/** A store failure as the client sees it: the store's own coded errors (DSC_ERR_STATE_BUSY) pass through. */
export function stateError(err: unknown): DiffscopeError {
  return err instanceof DiffscopeError ? err : new DiffscopeError('DSC_ERR_STATE_UNAVAILABLE', undefined, { cause: err });
}

function refusal(admission: Extract<Admission, { admitted: false }>, clientId: string): DiffscopeError {
  const { scope, limit, count } = admission;
  if (scope === 'queue')
    return new DiffscopeError('DSC_ERR_API_QUEUE_FULL', `queue is full (${count} waiting, limit ${limit}); retry later`);
  const what = scope === 'client_queued' ? 'queued' : 'queued or running';
  const setting = scope === 'client_queued' ? 'DIFFSCOPE_CLIENT_MAX_QUEUED' : 'DIFFSCOPE_CLIENT_MAX_ACTIVE';
  return new DiffscopeError(
    'DSC_ERR_API_CLIENT_QUOTA',
    `client ${clientId} has ${count} generations ${what} (limit ${limit}, ${setting}); retry later`,
  );
}

export class GenerationService {
  private readonly lifecycle: GenerationLifecycle;

  constructor(private readonly options: GenerationServiceOptions) {
    const { queue, completionQueue, store, logger } = options;
    const completions = new CompletionPublisher({ open: () => queue.producer(completionQueue), logger });
    this.lifecycle = new GenerationLifecycle({ store, logger, completions });
  }

  /**
   * Call inside the request context (span A active). Throws DSC_ERR_API_QUEUE_FULL or
   * DSC_ERR_API_CLIENT_QUOTA (429) when the admission quota refuses it.
   */
  async enqueue(input: EnqueueInput): Promise<GenerationRecord> {
    const { store, producer, queueName, queue, logger } = this.options;
    const now = Date.now();
    const record: GenerationRecord = {
      id: input.id,
      clientId: input.clientId,
      status: 'queued',
      params: input.params,
      promptHash: promptHash(input.prompt),
      traceId: input.traceId,
      webhook: input.webhook,
      createdAt: now,
      attempts: 0,
      outputs: [],
      cancelRequested: false,
    };
    let admission: Admission;
    try {
      admission = await store.createWithinQuota(record, this.options.quota);
      if (admission.admitted) await store.appendEvent(record.id, 'queued', { status: 'queued', created_at: new Date(now).toISOString() });
    } catch (err) {
      throw stateError(err);
    }
    if (!admission.admitted) throw refusal(admission, input.clientId);
    // Before the job goes out, so the notifier hears `queued` before a fast worker's `started`.
    await this.lifecycle.announce(record, { event: 'queued' });
    const job: GenerationJob = {
      id: input.id,
      clientId: input.clientId,
      prompt: input.prompt,
      negativePrompt: input.negativePrompt,
      params: input.params,
      createdAt: now,
    };
    try {
      await withSpan(
        'queue.publish',
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            [ATTR.MESSAGING_SYSTEM]: queue.kind,
            [ATTR.MESSAGING_DESTINATION]: queueName,
            [ATTR.MESSAGING_OPERATION]: 'send',
            [ATTR.MESSAGING_MESSAGE_ID]: input.id,
            [ATTR.REQUEST_ID]: input.id,
          },
        },
        async () => {
          const headers = injectMessageHeaders({ requestId: input.id, enqueuedAt: Date.now() });
          await producer.publish(input.id, job, headers);
        },
      );
    } catch (err) {
      logger.error('enqueue_failed', { err: err as Error });
      // The client is answered now: ending the generation also publishes its completion to the
      // queue that just failed, which would hold the 503 for another deadline.
      void this.lifecycle.complete({ record, status: 'failed', error: ENQUEUE_FAILED }).catch(() => false);
      throw new DiffscopeError('DSC_ERR_QUEUE_UNAVAILABLE', undefined, { cause: err });
    }
    logger.info('job_enqueued', { queue: queueName, ...paramLogFields(input.params), prompt_hash: record.promptHash });
    return record;
  }

  /**
   * A client's cancel of a generation it saw queued. Only from `queued`: once a worker has
   * started it, the worker notices the cancel request between two steps and ends it itself.
   * False when the record had moved on.
   */
  async cancelQueued(record: GenerationRecord): Promise<boolean> {
    // The client waits for the answer: one try, a 503 on failure (a write applied unacknowledged still ends with its event and webhook).
    return this.lifecycle.complete({
      record,
      status: 'canceled',
      error: CANCELED_BY_CLIENT,
      from: ['queued'],
      logFields: { while: 'queued' },
      retry: { attempts: 1 },
    });
  }
}
