/**
 * The main thread's side of ingest. The OTLP receiver hands each export body here; a decode
 * thread turns it into rows and a write thread commits them (see decode-worker.ts and
 * write-worker.ts), and the export is answered once its rows are committed — so a stored
 * record is searchable as soon as its sender got 200, and a store failure reaches the sender
 * as 503 + Retry-After (the OTLP spec's "retry later") instead of being lost.
 *
 * Nothing a request does can end the process: a thread that dies (out of memory on a hostile
 * payload, anything uncaught) fails only the requests it held and both threads are started
 * again. The request a decode thread was working on when it ran out of memory gets 413.
 */
import { MessageChannel, type Worker } from 'node:worker_threads';
import type { ExplorerLogger } from '../logger.js';
import type { IngestLimits } from '../limits.js';
import type { RetentionResult } from '../store/retention.js';
import type { WriteOutcome } from './batch-writer.js';
import type { TailSamplingOptions } from '../sampling/options.js';
import { SamplingTotals } from '../sampling/sampling-totals.js';
import type { DecodeFailed, DecodeRequest, Decoded, Encoding, Signal, WriterCommand, WriterEvent } from './messages.js';
import { spawnIngestWorker } from './spawn-worker.js';

export type IngestAnswer =
  | { status: 200; rejected: number; message?: string; spans: number; logs: number }
  | { status: 400 | 413; message: string }
  | { status: 503; message: string; retryAfterS: number };

export interface IngestPipelineOptions {
  dbPath: string;
  limits: IngestLimits;
  maxBodyBytes: number;
  logger: ExplorerLogger;
  /** Export bytes accepted but not yet answered; past this, new exports get 503 (the sender backs off). */
  maxInFlightBytes?: number;
  /** Heap of the decode thread; a payload that needs more gets 413 instead of growing the process. */
  decodeHeapMb?: number;
  busyTimeoutMs?: number;
  lingerMs?: number;
  /** Tail sampling on the write thread (src/explorer/sampling/); absent, every record is stored. */
  sampling?: TailSamplingOptions;
}

interface Pending {
  resolve(answer: IngestAnswer): void;
  bytes: number;
}

interface Threads {
  decoder: Worker;
  writer: Worker;
}

const RESTART_BACKOFF_MS = [200, 1000, 5000, 30_000];

export class IngestPipeline {
  private threads: Threads | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Ids sent to the decode thread and not yet decoded, oldest first. */
  private decoding: number[] = [];
  private readonly retentions = new Map<number, { resolve(r: RetentionResult): void; reject(e: Error): void }>();
  private readonly samplingDecisions = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private readonly idleWaiters: (() => void)[] = [];
  private nextId = 1;
  private inFlightBytes = 0;
  private closing = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  spansWritten = 0;
  logsWritten = 0;
  /** Tail-sampling counts and buffer sizes, as the write thread reports them. */
  readonly sampling: SamplingTotals;

  private constructor(private readonly options: IngestPipelineOptions) {
    this.sampling = new SamplingTotals(options.sampling);
  }

  /** Resolves once the write thread has opened the store; rejects when it cannot. */
  static async start(options: IngestPipelineOptions): Promise<IngestPipeline> {
    const pipeline = new IngestPipeline(options);
    pipeline.threads = await pipeline.spawn();
    return pipeline;
  }

  private spawn(): Promise<Threads> {
    const o = this.options;
    const writer = spawnIngestWorker('write-worker', {
      workerData: {
        dbPath: o.dbPath,
        maxSpansPerTrace: o.limits.maxSpansPerTrace,
        busyTimeoutMs: o.busyTimeoutMs ?? 5000,
        lingerMs: o.lingerMs ?? 0,
        sampling: o.sampling,
      },
    });
    return new Promise<Threads>((resolve, reject) => {
      const failed = (err: Error): void => {
        void writer.terminate();
        reject(err);
      };
      const exited = (code: number): void => failed(new Error(`ingest write thread exited (code ${code}) before opening the store`));
      writer.once('error', failed);
      writer.once('exit', exited);
      writer.once('message', (m: WriterEvent) => {
        writer.off('error', failed);
        writer.off('exit', exited);
        if (m.type !== 'ready') return failed(new Error(`ingest write thread said ${m.type} before ready`));
        const decoder = spawnIngestWorker('decode-worker', {
          workerData: { limits: o.limits, maxBodyBytes: o.maxBodyBytes },
          resourceLimits: { maxOldGenerationSizeMb: o.decodeHeapMb ?? 1024 },
        });
        const channel = new MessageChannel();
        writer.postMessage({ type: 'decoder-port', port: channel.port1 }, [channel.port1]);
        decoder.postMessage({ type: 'writer-port', port: channel.port2 }, [channel.port2]);
        const threads = { decoder, writer };
        writer.on('message', (e: WriterEvent) => this.onWriter(e));
        decoder.on('message', (e: DecodeFailed | Decoded) => this.onDecoder(e));
        for (const [role, worker] of [
          ['decode', decoder],
          ['write', writer],
        ] as const) {
          worker.on('error', (err) => this.onThreadDied(threads, role, err));
          worker.on('exit', (code) => this.onThreadDied(threads, role, new Error(`ingest ${role} thread exited (code ${code})`)));
        }
        resolve(threads);
      });
    });
  }

  /** Hands one export body to the threads; resolves with the answer for the sender. */
  submit(signal: Signal, encoding: Encoding, contentEncoding: string, body: Buffer): Promise<IngestAnswer> {
    const threads = this.threads;
    if (!threads || this.closing)
      return Promise.resolve({ status: 503, message: 'the explorer is restarting its ingest, retry later', retryAfterS: 1 });
    const max = this.options.maxInFlightBytes ?? 64 * 1024 * 1024;
    if (this.pending.size > 0 && this.inFlightBytes + body.byteLength > max) {
      return Promise.resolve({ status: 503, message: 'the explorer is busy storing earlier exports, retry later', retryAfterS: 1 });
    }
    const id = this.nextId++;
    // A pooled Buffer shares its ArrayBuffer with others: copy it; a whole one moves for free.
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    const bytes = whole ? new Uint8Array(body.buffer, 0, body.byteLength) : new Uint8Array(body);
    return new Promise<IngestAnswer>((resolve) => {
      this.pending.set(id, { resolve, bytes: bytes.byteLength });
      this.inFlightBytes += bytes.byteLength;
      this.decoding.push(id);
      const request: DecodeRequest = { type: 'decode', id, signal, encoding, contentEncoding, body: bytes };
      threads.decoder.postMessage(request, [bytes.buffer as ArrayBuffer]);
    });
  }

  private settle(id: number, answer: IngestAnswer): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.inFlightBytes -= p.bytes;
    p.resolve(answer);
    if (this.pending.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private onDecoder(e: DecodeFailed | Decoded): void {
    const i = this.decoding.indexOf(e.id);
    if (i >= 0) this.decoding.splice(i, 1);
    if (e.type === 'decode-failed') this.settle(e.id, { status: e.status, message: e.message });
  }

  private onWriter(e: WriterEvent): void {
    if (e.type === 'written') {
      let failure: string | undefined;
      for (const o of e.outcomes) {
        if (o.ok) {
          this.spansWritten += o.spans;
          this.logsWritten += o.logs;
        } else failure = o.message;
        this.settle(o.id, answerOf(o));
      }
      if (failure)
        this.options.logger.error('otlp_receiver_error', {
          url: '/v1/*',
          err: Object.assign(new Error(failure), { name: 'ExplorerStoreError' }),
        });
    } else if (e.type === 'retention-done') {
      const waiter = this.retentions.get(e.id);
      this.retentions.delete(e.id);
      if (e.result) waiter?.resolve(e.result);
      else waiter?.reject(new Error(e.error ?? 'retention failed'));
    } else if (e.type === 'sampling') {
      this.sampling.apply(e.report);
    } else if (e.type === 'sampling-decided') {
      this.samplingDecisions.get(e.id)?.resolve();
      this.samplingDecisions.delete(e.id);
    }
  }

  private onThreadDied(threads: Threads, role: 'decode' | 'write', err: Error): void {
    if (this.threads !== threads || this.closing) return;
    this.threads = undefined;
    const outOfMemory = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
    this.options.logger.error('otlp_receiver_error', { url: `(ingest ${role} thread)`, err });
    if (role === 'decode' && outOfMemory && this.decoding.length > 0) {
      this.settle(this.decoding[0], { status: 413, message: 'the payload needs more memory to decode than the explorer allows' });
    }
    for (const id of [...this.pending.keys()])
      this.settle(id, { status: 503, message: "the explorer's ingest thread stopped, retry later", retryAfterS: 1 });
    this.decoding = [];
    for (const [id, waiter] of this.retentions) {
      this.retentions.delete(id);
      waiter.reject(new Error(`ingest ${role} thread stopped during retention`));
    }
    for (const [id, waiter] of this.samplingDecisions) {
      this.samplingDecisions.delete(id);
      waiter.reject(new Error(`ingest ${role} thread stopped while deciding`));
    }
    this.sampling.threadsLost();
    void threads.decoder.terminate();
    void threads.writer.terminate();
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = RESTART_BACKOFF_MS[Math.min(this.restarts, RESTART_BACKOFF_MS.length - 1)];
    this.restarts++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      this.spawn().then(
        (threads) => {
          if (this.closing) {
            void threads.decoder.terminate();
            void threads.writer.terminate();
            return;
          }
          this.threads = threads;
          this.restarts = 0;
        },
        (err: unknown) => {
          this.options.logger.error('otlp_receiver_error', { url: '(ingest restart)', err });
          this.scheduleRestart();
        },
      );
    }, delay);
    this.restartTimer.unref();
  }

  /** Resolves when every export handed over so far has been answered. */
  flush(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** One retention pass on the write thread (between commits). */
  runRetention(nowMs: number, maxAgeMs: number, maxBytes: number): Promise<RetentionResult> {
    const threads = this.threads;
    if (!threads) return Promise.reject(new Error('ingest threads are restarting'));
    const id = this.nextId++;
    return new Promise<RetentionResult>((resolve, reject) => {
      this.retentions.set(id, { resolve, reject });
      threads.writer.postMessage({ type: 'retention', id, nowMs, maxAgeMs, maxBytes } satisfies WriterCommand);
    });
  }

  /**
   * Decides now the traces held for sampling that are ready at `nowMs` (as the write thread's
   * timer would at that time) and commits the kept ones; resolves once they are stored.
   */
  decideSampling(nowMs: number = Date.now()): Promise<void> {
    const threads = this.threads;
    if (!threads) return Promise.reject(new Error('ingest threads are restarting'));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.samplingDecisions.set(id, { resolve, reject });
      threads.writer.postMessage({ type: 'sampling-decide', id, nowMs } satisfies WriterCommand);
    });
  }

  /** Answers what is in flight (up to `graceMs`), closes the store, stops both threads. */
  async close(graceMs = 5000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const threads = this.threads;
    const timeout = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
    await Promise.race([this.flush(), timeout(graceMs)]);
    for (const id of [...this.pending.keys()])
      this.settle(id, { status: 503, message: 'the explorer is shutting down, retry later', retryAfterS: 1 });
    if (!threads) return;
    const closed = new Promise<void>((resolve) => {
      threads.writer.on('message', (e: WriterEvent) => {
        if (e.type === 'closed') resolve();
      });
      threads.writer.once('exit', () => resolve());
    });
    threads.writer.postMessage({ type: 'close' } satisfies WriterCommand);
    await Promise.race([closed, timeout(graceMs)]);
    await Promise.all([threads.decoder.terminate(), threads.writer.terminate()]);
  }
}

function answerOf(o: WriteOutcome): IngestAnswer {
  if (!o.ok) return { status: 503, message: o.message, retryAfterS: o.retryAfterS };
  return {
    status: 200,
    rejected: o.rejected,
    message: o.messages.length ? o.messages.join('; ') : undefined,
    spans: o.spans,
    logs: o.logs,
  };
}
