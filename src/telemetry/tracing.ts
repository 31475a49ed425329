/**
 * Thin tracing helpers so that only src/telemetry imports @opentelemetry/api. With no SDK
 * started everything here is no-op tracing (spans are non-recording, ids only flow through
 * from an extracted parent).
 */
import {
  context,
  isSpanContextValid,
  type SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { ATTR } from '../contract/index.js';
import { ensureContextManager } from './request-scope.js';
import { serviceVersion } from './state.js';

export interface WithSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** ms since epoch (or an hrtime/Date accepted by OTel), e.g. `enqueued_at` for `queue.wait`. */
  startTime?: number;
  links?: Link[];
  /** Parent context; default the active one. */
  parent?: Context;
}

let tracer: Tracer | undefined;

/** The tracer named 'diffscope' (a proxy: picks up an SDK registered later). */
export function getTracer(): Tracer {
  tracer ??= trace.getTracer('diffscope', serviceVersion());
  return tracer;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs fn with a new span active; records the exception and ERROR status on throw; always ends it. */
export async function withSpan<T>(name: string, options: WithSpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
  ensureContextManager();
  const parent = options.parent ?? context.active();
  const span = getTracer().startSpan(
    name,
    { kind: options.kind, attributes: options.attributes, startTime: options.startTime, links: options.links },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err instanceof Error ? err : describe(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: describe(err) });
    const code = (err as { code?: unknown } | null)?.code;
    span.setAttribute(ATTR.ERROR_TYPE, typeof code === 'string' ? code : err instanceof Error ? err.name : 'Error');
    throw err;
  } finally {
    span.end();
  }
}

/** The active trace id (32 hex) or undefined outside a valid span. */
export function currentTraceId(): string | undefined {
  const sc = trace.getSpan(context.active())?.spanContext();
  return sc !== undefined && isSpanContextValid(sc) ? sc.traceId : undefined;
}

/**
 * Runs fn with tracing suppressed (OpenTelemetry's own suppressTracing context flag): spans the
 * instrumentations would start inside are not recorded, and they leave outgoing headers alone.
 * For a call whose CLIENT span and `traceparent` the caller already made itself.
 */
export function withTracingSuppressed<T>(fn: () => T): T {
  ensureContextManager();
  return context.with(suppressTracing(context.active()), fn);
}
