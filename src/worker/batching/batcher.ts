/**
 * Dynamic batching in the worker (DIFFSCOPE_BATCH_MAX > 1): an InferencePipeline in front of the
 * real one. Each delivery's GenerationProcessor calls generate() inside its own `inference` span
 * as usual; here compatible requests (src/inference/batch-key.ts) that arrive within
 * DIFFSCOPE_BATCH_WINDOW_MS of the first are grouped, up to DIFFSCOPE_BATCH_MAX images, and sent
 * to the pipeline as one batch job (one UNet batch in the inference thread). One batch runs at a
 * time: requests arriving meanwhile wait and form the next, as Triton's dynamic batcher does
 * with a busy model instance.
 *
 * Each request keeps its own result, progress, cancel and retries: the processor sees an ordinary
 * generate() that resolves or rejects for it alone. Canceled while waiting → it leaves its group
 * and rejects at once; canceled while running → the pipeline drops it between steps and the
 * others go on. A group that ends up with one request runs it with plain generate() (no `batch`
 * span); two or more get the fan-in spans (batch-trace.ts).
 */
import { DiffscopeError } from '../../errors/index.js';
import { batchKey } from '../../inference/batch-key.js';
import {
  canBatch,
  type BatchingPipeline,
  type GenerateRequest,
  type GenerateResult,
  type InferencePipeline,
  type ModelInfo,
} from '../../inference/types.js';
import { context, currentRequestScope, type Logger } from '../../telemetry/index.js';
import { BatchGroups, type Group } from './batch-groups.js';
import { recordBatchWait, startBatchSpan, type TracedMember } from './batch-trace.js';

export interface BatcherOptions {
  /** DIFFSCOPE_BATCH_MAX: most images (sum of n) per batch. */
  maxImages: number;
  /** DIFFSCOPE_BATCH_WINDOW_MS. */
  windowMs: number;
  logger: Logger;
}

interface Member extends TracedMember {
  key: string;
  request: GenerateRequest;
  // Promise settlers, called detached: properties, not methods.
  resolve: (result: GenerateResult) => void;
  reject: (err: unknown) => void;
  onAbort?: () => void;
}

function canceledWhileWaiting(): DiffscopeError {
  return new DiffscopeError('DSC_ERR_INFER_CANCELED', 'generation was canceled while waiting for its batch');
}

export class Batcher implements InferencePipeline {
  private readonly groups: BatchGroups<Member>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  private closed = false;

  constructor(
    private readonly pipeline: BatchingPipeline,
    private readonly options: BatcherOptions,
  ) {
    this.groups = new BatchGroups(options.maxImages);
  }

  listModels(): ModelInfo[] {
    return this.pipeline.listModels();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    // Whatever still waits runs nowhere: its deliveries fail (retryable) and go back to the queue.
    for (const group of this.groups.takeAll()) {
      for (const m of group.members)
        m.reject(new DiffscopeError('DSC_ERR_INFER_FAILED', 'the worker stopped before the batch of this request ran'));
    }
    await this.pipeline.close();
  }

  generate(request: GenerateRequest): Promise<GenerateResult> {
    if (this.closed) return Promise.reject(new DiffscopeError('DSC_ERR_INFER_FAILED', 'inference pipeline is closed'));
    if (request.signal?.aborted) return Promise.reject(canceledWhileWaiting());
    return new Promise<GenerateResult>((resolve, reject) => {
      const member: Member = {
        key: batchKey(request.params),
        images: request.params.n,
        request,
        context: context.active(),
        requestId: currentRequestScope()?.requestId,
        arrivedAt: Date.now(),
        resolve,
        reject,
      };
      const group = this.groups.add(member, member.arrivedAt);
      if (group.members.length === 1 && !group.ready) this.startWindow(group);
      if (request.signal) {
        member.onAbort = () => {
          if (this.groups.remove(member)) reject(canceledWhileWaiting());
        };
        request.signal.addEventListener('abort', member.onAbort, { once: true });
      }
      this.pump();
    });
  }

  private startWindow(group: Group<Member>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      group.ready = true;
      this.pump();
    }, this.options.windowMs);
    this.timers.add(timer);
  }

  /** Runs the oldest ready group when no batch is running. */
  private pump(): void {
    if (this.running) return;
    const group = this.groups.takeReady();
    if (!group) return;
    this.running = true;
    void this.runGroup(group.members).finally(() => {
      this.running = false;
      this.pump();
    });
  }

  private async runGroup(members: Member[]): Promise<void> {
    const startedAt = Date.now();
    for (const m of members) {
      // From here the pipeline owns the member's cancel.
      if (m.onAbort) m.request.signal?.removeEventListener('abort', m.onAbort);
      recordBatchWait(m, startedAt, members.length);
    }
    if (members.length === 1) {
      const m = members[0];
      await context.with(m.context, () => this.pipeline.generate(m.request)).then(m.resolve, m.reject);
      return;
    }
    const params = members[0].request.params;
    const batch = startBatchSpan(members, params, startedAt);
    context.with(batch.context, () =>
      this.options.logger.info('batch_started', {
        batch_size: members.length,
        images: members.reduce((sum, m) => sum + m.images, 0),
        model_id: params.model,
        wait_ms: startedAt - Math.min(...members.map((m) => m.arrivedAt)),
      }),
    );
    let run;
    try {
      run = context.with(batch.context, () => this.pipeline.generateBatch(members.map((m) => ({ ...m.request, context: m.context }))));
    } catch (err) {
      for (const m of members) m.reject(err);
      batch.span.end();
      return;
    }
    for (const [i, result] of run.results.entries()) void result.then(members[i].resolve, members[i].reject);
    await run.done;
    batch.span.end();
  }
}

/** The pipeline the worker's processor calls: the batcher when DIFFSCOPE_BATCH_MAX > 1 and the pipeline can batch. */
export function withBatching(pipeline: InferencePipeline, options: BatcherOptions): InferencePipeline {
  if (options.maxImages <= 1 || !canBatch(pipeline)) return pipeline;
  return new Batcher(pipeline, options);
}
