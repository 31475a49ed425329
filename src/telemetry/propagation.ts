/**
 * Trace context in message metadata (queue jobs, completion events), incoming HTTP headers and
 * outgoing webhooks, through the propagators OTEL_PROPAGATORS names (propagators/from-env.ts;
 * default W3C tracecontext + baggage) — the same ones the SDK registers for HTTP, and available
 * without the SDK too.
 */
import {
  context as otelContext,
  defaultTextMapSetter,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { propagationFromEnv } from './propagators/from-env.js';
import { getRequestScope, setRequestScope } from './request-scope.js';
import { telemetryState } from './state.js';

/** The process's configured propagator (built from OTEL_PROPAGATORS on first use). */
export function configuredPropagator(): TextMapPropagator {
  const state = telemetryState();
  state.propagation ??= propagationFromEnv();
  return state.propagation.propagator;
}

/**
 * AMQP leaves `x-` headers to brokers and extensions, and the RabbitMQ consumer drops them
 * (src/queue/rabbitmq-topology.ts), so in message metadata a propagator's `x-…` header (B3 multi,
 * X-Ray, X-Cloud-Trace-Context) is stored without that prefix: `x-b3-traceid` → `b3-traceid`.
 */
function messageKey(key: string): string {
  return key.startsWith('x-') ? key.slice(2) : key;
}

const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[messageKey(key)] = value;
  },
};

const getter: TextMapGetter<Record<string, string | undefined>> = {
  keys(carrier) {
    // Also under the `x-` names: a propagator may look its header up in keys() (X-Ray does).
    return Object.keys(carrier).flatMap((k) => [k, 'x-' + k]);
  },
  get(carrier, key) {
    // Brokers may upper-case or re-case header names; values must be strings.
    const stored = messageKey(key.toLowerCase());
    let v = carrier[stored];
    if (v === undefined) {
      for (const k of Object.keys(carrier)) if (messageKey(k.toLowerCase()) === stored) v = carrier[k];
    }
    return typeof v === 'string' ? v : undefined;
  },
};

/** Node's IncomingHttpHeaders: lower-case names; a repeated header is an array (or joined with ", "). */
const httpGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    const v = carrier[key.toLowerCase()];
    // Two traceparent headers are invalid (W3C); several tracestate/baggage headers combine.
    if (Array.isArray(v)) return key === 'traceparent' ? (v.length === 1 ? v[0] : undefined) : v.join(',');
    return v;
  },
};

export interface InjectMessageHeadersOptions {
  context?: Context;
  /** Default: the request scope of `context`. */
  requestId?: string;
  /** ms since epoch; default now. */
  enqueuedAt?: number;
}

export interface ExtractedMessageContext {
  /** Parent for consumer spans; carries the remote span (if valid) and the request scope. */
  context: Context;
  requestId?: string;
  enqueuedAt?: number;
}

/**
 * → the configured propagators' headers (default `traceparent`, `tracestate?`, `baggage?`),
 * `request_id`, `client_id?`, `enqueued_at`.
 */
export function injectMessageHeaders(options: InjectMessageHeadersOptions = {}): Record<string, string> {
  const ctx = options.context ?? otelContext.active();
  const headers: Record<string, string> = {};
  configuredPropagator().inject(ctx, headers, setter);
  const scope = getRequestScope(ctx);
  const requestId = options.requestId ?? scope?.requestId;
  if (requestId !== undefined) headers.request_id = requestId;
  if (scope?.clientId !== undefined) headers.client_id = scope.clientId;
  headers.enqueued_at = String(Math.round(options.enqueuedAt ?? Date.now()));
  return headers;
}

/** The remote parent in `ctx` only when it is valid (a propagator may set an invalid one). */
function validParentOnly(ctx: Context): Context {
  const sc = trace.getSpanContext(ctx);
  return sc !== undefined && !isSpanContextValid(sc) ? trace.deleteSpan(ctx) : ctx;
}

/**
 * Never throws. A malformed/invalid trace header yields a context with no remote span, so the
 * consumer starts a new trace.
 */
export function extractMessageHeaders(headers: Record<string, string | undefined>): ExtractedMessageContext {
  let ctx: Context;
  try {
    ctx = validParentOnly(configuredPropagator().extract(ROOT_CONTEXT, headers ?? {}, getter));
  } catch {
    ctx = ROOT_CONTEXT;
  }
  const requestId = nonEmpty(headers?.request_id);
  const clientId = nonEmpty(headers?.client_id);
  if (requestId !== undefined) ctx = setRequestScope(ctx, clientId === undefined ? { requestId } : { requestId, clientId });
  const raw = nonEmpty(headers?.enqueued_at);
  const n = raw !== undefined && /^\d{1,16}(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  return { context: ctx, requestId, enqueuedAt: Number.isFinite(n) && n > 0 ? n : undefined };
}

function nonEmpty(v: string | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The configured propagators' trace headers, without baggage, for an outgoing HTTP request that
 * the HTTP instrumentation does not see (global fetch/undici: webhooks to third parties, which
 * get no baggage).
 */
export function injectTraceHeaders(ctx: Context = otelContext.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  configuredPropagator().inject(propagation.deleteBaggage(ctx), headers, defaultTextMapSetter);
  return headers;
}

/**
 * Parent context from incoming HTTP headers (Node's IncomingHttpHeaders shape), through the
 * configured propagators: a W3C, B3, Jaeger, X-Ray or X-Cloud-Trace-Context header, whichever
 * OTEL_PROPAGATORS lists. Never throws; an invalid header gives no parent.
 */
export function extractHttpContext(headers: Record<string, string | string[] | undefined>): Context {
  try {
    return validParentOnly(configuredPropagator().extract(ROOT_CONTEXT, headers ?? {}, httpGetter));
  } catch {
    return ROOT_CONTEXT;
  }
}
