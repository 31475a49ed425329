/**
 * Messages between the worker's main thread and its inference thread. The thread runs the
 * ordinary pipeline; everything it would have done to spans and logs is sent here as data, and
 * the main thread replays it on the request's real span and logger (see job-relay.ts).
 * Span ids in these messages are the thread's local handles, not OpenTelemetry ids.
 */
import type { GenerationParams, ModelInfo, StepProgress } from '../types.js';
import type { InferencePipelineOptions } from '../pipeline.js';
import type { LogLevel, SpanKind, SpanStatusCode } from '../../telemetry/index.js';

export type AttributeValue = string | number | boolean | (string | number | boolean | null | undefined)[];
export type AttributeMap = Record<string, AttributeValue | undefined>;

/** What the thread is started with (structured-cloneable: no logger, no functions). */
export interface ThreadInit {
  options: Omit<InferencePipelineOptions, 'logger'>;
  logLevel: LogLevel;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  field?: string;
}

export type ToThread =
  | {
      t: 'generate';
      job: number;
      prompt: string;
      negativePrompt?: string;
      params: GenerationParams;
      /** Int32Array(1) over a SharedArrayBuffer: 1 = canceled, read between steps. */
      cancelFlag: Int32Array;
    }
  | {
      /** Compatible requests as one UNet batch; each member is a job of its own (progress, cancel, result). */
      t: 'generate-batch';
      /** The batch's own job: its shared stage spans replay under the `batch` span. */
      batch: number;
      members: { job: number; prompt: string; negativePrompt?: string; params: GenerationParams; cancelFlag: Int32Array }[];
    }
  /** Load a model into the thread's cache and warm it (InferencePipelineExt.preload); its spans replay like a job's. */
  | { t: 'preload'; job: number; modelId: string }
  | { t: 'cancel'; job: number }
  | { t: 'call'; call: number; method: 'refreshModels' | 'describeModel'; arg?: string }
  | { t: 'close' };

export type FromThread =
  | { t: 'ready'; models: ModelInfo[] }
  | { t: 'span.start'; job: number; id: string; parent: string; name: string; kind?: SpanKind; attrs?: AttributeMap; time: number }
  | { t: 'span.attrs'; id: string; attrs: AttributeMap }
  | { t: 'span.event'; id: string; name: string; attrs?: AttributeMap; time: number }
  | { t: 'span.status'; id: string; code: SpanStatusCode; message?: string }
  | { t: 'span.exception'; id: string; error: SerializedError; time: number }
  | { t: 'span.end'; id: string; time: number }
  | { t: 'log'; job: number | null; span: string | null; level: LogLevel; event: string; fields: Record<string, unknown> }
  | { t: 'progress'; job: number; progress: StepProgress }
  | { t: 'result'; job: number; result: unknown; loaded: string[] }
  | { t: 'error'; job: number; error: SerializedError; loaded: string[] }
  /** Sent after every member's result/error and every span of the batch ended. */
  | { t: 'batch-done'; batch: number; loaded: string[] }
  /** A preload is over (after every span of it ended): loaded, or why not. */
  | { t: 'preloaded'; job: number; loaded: string[]; error?: SerializedError }
  | { t: 'reply'; call: number; value?: unknown; error?: SerializedError }
  | { t: 'init-failed'; error: SerializedError };

/** Root handle of a job: the main thread's span that was active when generate() was called. */
export function rootSpanId(job: number): string {
  return `root:${job}`;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; field?: unknown };
    return {
      name: e.name,
      message: e.message,
      stack: e.stack,
      code: typeof e.code === 'string' ? e.code : undefined,
      field: typeof e.field === 'string' ? e.field : undefined,
    };
  }
  return { name: 'Error', message: String(err) };
}

/** Wall-clock milliseconds with sub-ms precision, comparable between threads. */
export function nowEpochMs(): number {
  return performance.timeOrigin + performance.now();
}
