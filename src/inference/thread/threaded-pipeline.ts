/**
 * The inference pipeline run in a worker thread, behind the same InferencePipelineExt
 * interface as the in-process one (createInferencePipeline), so the worker swaps one factory
 * for the other. Why a thread and not a child process (measured in docs/inference.md): the
 * same process id (so the GPU memory nvidia-smi reports for the worker is the pipeline's), a
 * shared-memory cancel flag read between steps, transferable result buffers, a third of the
 * start-up time and no second Node heap; both answer a 12 KB round trip in ~0.1 ms.
 *
 * The main thread keeps everything that must stay responsive: queue leases, cancel polling,
 * SSE progress, /metrics and /healthz. Spans and logs the thread produces are replayed here
 * (job-relay.ts) with the thread's timings, under the caller's active span.
 */
import type { Worker } from 'node:worker_threads';
import { DiffscopeError } from '../../errors/index.js';
import { context, noopLogger, type Logger, type LogLevel } from '../../telemetry/index.js';
import type { InferencePipelineExt, InferencePipelineOptions } from '../pipeline.js';
import type { BatchMemberRequest, BatchRun, GenerateRequest, GenerateResult, ModelInfo, StepProgress } from '../types.js';
import { JobRelay, reviveError } from './job-relay.js';
import type { FromThread, ThreadInit, ToThread } from './protocol.js';
import { startInferenceThread } from './thread-entry.js';

interface PendingJob {
  resolve(result: GenerateResult): void;
  reject(err: unknown): void;
  onProgress?: (progress: StepProgress) => void;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

function levelOf(logger: Logger): LogLevel {
  for (const level of ['debug', 'info', 'warn'] as const) if (logger.isLevelEnabled(level)) return level;
  return 'error';
}

export async function createThreadedInferencePipeline(options: InferencePipelineOptions): Promise<InferencePipelineExt> {
  const pipeline = new ThreadedInferencePipeline(options);
  await pipeline.start();
  return pipeline;
}

class ThreadedInferencePipeline implements InferencePipelineExt {
  private readonly logger: Logger;
  private readonly relay: JobRelay;
  private readonly init: ThreadInit;
  private thread?: Worker;
  private starting?: Promise<void>;
  private models: ModelInfo[] = [];
  private loaded: string[] = [];
  private readonly jobs = new Map<number, PendingJob>();
  private readonly calls = new Map<number, PendingCall>();
  /** Batches whose `batch-done` has not come yet: their done() resolvers. */
  private readonly batches = new Map<number, () => void>();
  /** Preloads whose `preloaded` has not come yet. */
  private readonly preloads = new Map<number, PendingCall>();
  private seq = 0;
  private closed = false;

  constructor(options: InferencePipelineOptions) {
    this.logger = options.logger ?? noopLogger;
    this.relay = new JobRelay(this.logger);
    const { logger: _logger, ...rest } = options;
    this.init = { options: rest, logLevel: levelOf(this.logger) };
  }

  /** Starts (or restarts, after a crash) the thread and waits for its first model scan. */
  start(): Promise<void> {
    this.starting ??= new Promise<void>((resolve, reject) => {
      const thread = startInferenceThread(this.init);
      this.thread = thread;
      thread.unref();
      thread.on('message', (message: FromThread) => {
        if (message.t === 'ready') {
          this.models = message.models;
          resolve();
        } else if (message.t === 'init-failed') {
          reject(reviveError(message.error));
        } else this.onMessage(message);
      });
      thread.on('error', (err) => this.onThreadGone(thread, err, reject));
      thread.on('exit', (code) => this.onThreadGone(thread, new Error(`inference thread exited with code ${code}`), reject));
    });
    return this.starting;
  }

  private onThreadGone(thread: Worker, cause: Error, reject: (err: unknown) => void): void {
    if (this.thread !== thread) return;
    this.thread = undefined;
    this.starting = undefined;
    const error = new DiffscopeError('DSC_ERR_INFER_FAILED', `inference thread stopped: ${cause.message}`, { cause });
    reject(error);
    if (this.closed) return;
    this.logger.error('inference_thread_failed', { err: cause });
    for (const [job, pending] of this.jobs) {
      this.relay.close(job);
      pending.reject(error);
    }
    for (const pending of this.calls.values()) pending.reject(error);
    for (const [job, pending] of this.preloads) {
      this.relay.close(job);
      pending.reject(error);
    }
    for (const [batch, done] of this.batches) {
      this.relay.close(batch);
      done();
    }
    this.jobs.clear();
    this.calls.clear();
    this.preloads.clear();
    this.batches.clear();
  }

  private onMessage(message: FromThread): void {
    switch (message.t) {
      case 'progress': {
        const pending = this.jobs.get(message.job);
        const ctx = this.relay.contextOf(message.job);
        if (pending?.onProgress && ctx) context.with(ctx, () => pending.onProgress!(message.progress));
        return;
      }
      case 'result': {
        const pending = this.settle(message.job, message.loaded);
        const result = message.result as GenerateResult;
        for (const image of result.images) {
          const bytes = image.png as unknown as Uint8Array;
          image.png = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        }
        pending?.resolve(result);
        return;
      }
      case 'error':
        this.settle(message.job, message.loaded)?.reject(reviveError(message.error));
        return;
      case 'batch-done': {
        const done = this.batches.get(message.batch);
        this.batches.delete(message.batch);
        this.relay.close(message.batch);
        this.loaded = message.loaded;
        this.unrefWhenIdle();
        done?.();
        return;
      }
      case 'preloaded': {
        const pending = this.preloads.get(message.job);
        this.preloads.delete(message.job);
        this.relay.close(message.job);
        this.loaded = message.loaded;
        this.unrefWhenIdle();
        if (message.error) pending?.reject(reviveError(message.error));
        else pending?.resolve(undefined);
        return;
      }
      case 'reply': {
        const pending = this.calls.get(message.call);
        this.calls.delete(message.call);
        this.unrefWhenIdle();
        if (message.error) pending?.reject(reviveError(message.error));
        else pending?.resolve(message.value);
        return;
      }
      default:
        this.relay.handle(message);
    }
  }

  private settle(job: number, loaded: string[]): PendingJob | undefined {
    const pending = this.jobs.get(job);
    this.jobs.delete(job);
    this.relay.close(job);
    this.loaded = loaded;
    this.unrefWhenIdle();
    return pending;
  }

  private unrefWhenIdle(): void {
    if (this.jobs.size === 0 && this.calls.size === 0 && this.batches.size === 0 && this.preloads.size === 0) this.thread?.unref();
  }

  private async send(message: ToThread): Promise<Worker> {
    if (this.closed) throw new DiffscopeError('DSC_ERR_INFER_FAILED', 'inference pipeline is closed');
    await this.start();
    const thread = this.thread!;
    // Keep the process alive while the thread works for us.
    thread.ref();
    thread.postMessage(message);
    return thread;
  }

  listModels(): ModelInfo[] {
    return this.models;
  }

  loadedModels(): string[] {
    return this.loaded;
  }

  async refreshModels(): Promise<ModelInfo[]> {
    this.models = (await this.call('refreshModels')) as ModelInfo[];
    return this.models;
  }

  async describeModel(id: string): Promise<ModelInfo> {
    return (await this.call('describeModel', id)) as ModelInfo;
  }

  /** The model is loaded and warmed in the thread; its spans replay under the span active here. */
  async preload(modelId: string): Promise<void> {
    const job = ++this.seq;
    this.relay.open(job, context.active(), '');
    try {
      await new Promise<unknown>((resolve, reject) => {
        this.preloads.set(job, { resolve, reject });
        this.send({ t: 'preload', job, modelId }).catch((err: unknown) => {
          this.preloads.delete(job);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
      });
    } finally {
      this.relay.close(job);
    }
  }

  private call(method: 'refreshModels' | 'describeModel', arg?: string): Promise<unknown> {
    const call = ++this.seq;
    return new Promise((resolve, reject) => {
      this.calls.set(call, { resolve, reject });
      this.send({ t: 'call', call, method, arg }).catch((err: unknown) => {
        this.calls.delete(call);
        reject(err);
      });
    });
  }

  /**
   * A job's cancel flag, shared with the thread (read between steps): set when `signal` aborts
   * (or already has), with a `cancel` message that aborts the job's signal in the thread. `detach`
   * stops listening once the job is over.
   */
  private cancelOnAbort(job: number, signal: AbortSignal | undefined): { cancelFlag: Int32Array; detach: () => void } {
    const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => {
      Atomics.store(cancelFlag, 0, 1);
      this.thread?.postMessage({ t: 'cancel', job } satisfies ToThread);
    };
    if (signal?.aborted) Atomics.store(cancelFlag, 0, 1);
    signal?.addEventListener('abort', onAbort, { once: true });
    return { cancelFlag, detach: () => signal?.removeEventListener('abort', onAbort) };
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const job = ++this.seq;
    const { cancelFlag, detach } = this.cancelOnAbort(job, request.signal);
    this.relay.open(job, context.active(), request.prompt);
    try {
      return await new Promise<GenerateResult>((resolve, reject) => {
        this.jobs.set(job, { resolve, reject, onProgress: request.onProgress });
        const message: ToThread = {
          t: 'generate',
          job,
          prompt: request.prompt,
          negativePrompt: request.negativePrompt,
          params: request.params,
          cancelFlag,
        };
        this.send(message).catch((err: unknown) => {
          this.jobs.delete(job);
          reject(err);
        });
      });
    } finally {
      detach();
      this.relay.close(job);
    }
  }

  /**
   * Compatible requests as one UNet batch in the thread. The batch's shared spans replay under
   * the span active here (the worker's `batch`), each member's under its own context; each
   * member has its own cancel flag, progress and result, like a generate() call.
   */
  generateBatch(requests: BatchMemberRequest[]): BatchRun {
    const batch = ++this.seq;
    this.relay.open(batch, context.active(), '');
    const members: Extract<ToThread, { t: 'generate-batch' }>['members'] = [];
    const results = requests.map((request) => {
      const job = ++this.seq;
      const { cancelFlag, detach } = this.cancelOnAbort(job, request.signal);
      this.relay.open(job, request.context, request.prompt);
      members.push({ job, prompt: request.prompt, negativePrompt: request.negativePrompt, params: request.params, cancelFlag });
      return new Promise<GenerateResult>((resolve, reject) => {
        this.jobs.set(job, { resolve, reject, onProgress: request.onProgress });
      }).finally(() => {
        detach();
        this.relay.close(job);
      });
    });
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    this.batches.set(batch, resolveDone);
    this.send({ t: 'generate-batch', batch, members }).catch((err: unknown) => {
      for (const m of members) {
        const pending = this.jobs.get(m.job);
        this.jobs.delete(m.job);
        pending?.reject(err);
      }
      this.batches.delete(batch);
      this.relay.close(batch);
      resolveDone();
    });
    return { results, done };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const thread = this.thread;
    if (!thread) return;
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    thread.ref();
    thread.postMessage({ t: 'close' } satisfies ToThread);
    const timer = setTimeout(() => void thread.terminate(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
