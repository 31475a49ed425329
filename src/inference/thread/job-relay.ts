/**
 * Main side: replays what the inference thread did to spans and logs onto real spans and the
 * worker's logger. A job's root is the span that was active when generate() was called (the
 * worker's `inference` span); `model.load`, `text.encode`, `sampling`, `vae.decode` become its
 * children with the thread's own start/end times, and every log line the thread wrote is
 * written here inside the span it was written in (so trace_id, span_id and request_id are
 * stamped by the usual log context).
 */
import { DiffscopeError, isErrorCode } from '../../errors/index.js';
import {
  context,
  getTracer,
  promptHash,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Logger,
  type Span,
} from '../../telemetry/index.js';
import { rootSpanId, type FromThread, type SerializedError } from './protocol.js';

type LogEventName = Parameters<Logger['info']>[0];

interface Entry {
  job: number;
  ctx: Context;
  /** Undefined for the root: the caller owns (and ends) that span. */
  span?: Span;
  ended?: boolean;
}

interface JobInfo {
  ctx: Context;
  prompt: string;
  ids: string[];
}

export function reviveError(error: SerializedError): Error {
  if (error.code !== undefined && isErrorCode(error.code)) {
    const revived = new DiffscopeError(error.code, error.message, { field: error.field });
    if (error.stack) revived.stack = error.stack;
    return revived;
  }
  const revived = new Error(error.message);
  revived.name = error.name;
  if (error.stack) revived.stack = error.stack;
  if (error.code !== undefined) (revived as Error & { code?: string }).code = error.code;
  return revived;
}

function reviveFields(fields: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(fields)) {
    if (v && typeof v === 'object' && '__error' in v) fields[k] = reviveError((v as { __error: SerializedError }).__error);
  }
  return fields;
}

export class JobRelay {
  private readonly entries = new Map<string, Entry>();
  private readonly jobs = new Map<number, JobInfo>();

  constructor(private readonly logger: Logger) {}

  open(job: number, ctx: Context, prompt: string): void {
    const root = rootSpanId(job);
    this.entries.set(root, { job, ctx });
    this.jobs.set(job, { ctx, prompt, ids: [root] });
  }

  /** Forget a job; spans the thread never ended (it died) are ended with an error. */
  close(job: number): void {
    const info = this.jobs.get(job);
    if (!info) return;
    for (const id of info.ids) {
      const entry = this.entries.get(id);
      if (entry?.span && !entry.ended) {
        entry.span.setStatus({ code: SpanStatusCode.ERROR, message: 'inference thread ended before this span' });
        entry.span.end();
      }
      this.entries.delete(id);
    }
    this.jobs.delete(job);
  }

  contextOf(job: number): Context | undefined {
    return this.jobs.get(job)?.ctx;
  }

  handle(message: FromThread): void {
    switch (message.t) {
      case 'span.start': {
        const parent = this.entries.get(message.parent) ?? this.entries.get(rootSpanId(message.job));
        const info = this.jobs.get(message.job);
        if (!parent || !info) return;
        const span = getTracer().startSpan(
          message.name,
          { kind: message.kind, attributes: message.attrs as Attributes | undefined, startTime: message.time },
          parent.ctx,
        );
        this.entries.set(message.id, { job: message.job, ctx: trace.setSpan(parent.ctx, span), span });
        info.ids.push(message.id);
        return;
      }
      case 'span.attrs':
        this.spanOf(message.id)?.setAttributes(message.attrs as Attributes);
        return;
      case 'span.event':
        this.spanOf(message.id)?.addEvent(message.name, message.attrs as Attributes | undefined, message.time);
        return;
      case 'span.status':
        this.spanOf(message.id)?.setStatus({ code: message.code, message: message.message });
        return;
      case 'span.exception':
        this.spanOf(message.id)?.recordException(reviveError(message.error), message.time);
        return;
      case 'span.end': {
        const entry = this.entries.get(message.id);
        if (entry?.span && !entry.ended) {
          entry.ended = true;
          entry.span.end(message.time);
        }
        return;
      }
      case 'log': {
        const entry = message.span !== null ? this.entries.get(message.span) : undefined;
        const info = message.job !== null ? this.jobs.get(message.job) : undefined;
        const fields = reviveFields(message.fields);
        // The thread cannot hash with the deployment's key (it lives in this thread's module
        // state only); the prompt is known here, so the hash is made here.
        if ('prompt_hash' in fields && info) fields.prompt_hash = promptHash(info.prompt);
        const ctx = entry?.ctx ?? info?.ctx ?? context.active();
        // The thread's logger has the same typed event names; the name crossed the thread as a string.
        context.with(ctx, () => this.logger[message.level](message.event as LogEventName, fields));
        return;
      }
      default:
        return;
    }
  }

  private spanOf(id: string): Span | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    // Attributes set on the root go to the caller's active span (the worker's `inference`).
    return entry.span ?? trace.getSpan(entry.ctx);
  }
}
