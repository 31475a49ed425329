/**
 * Trace context in message metadata (queue jobs, completion events). Always W3C tracecontext +
 * baggage, independent of the global propagator (which is a no-op without the SDK), because
 * the header names are part of the message contract.
 */
import {
  context as otelContext,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { getRequestScope, setRequestScope } from './request-scope.js';

const propagator = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});

const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<Record<string, string | undefined>> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    // Brokers may upper-case or re-case header names; values must be strings.
    let v = carrier[key];
    if (v === undefined) {
      const lower = key.toLowerCase();
      for (const k of Object.keys(carrier)) if (k.toLowerCase() === lower) v = carrier[k];
    }
    return typeof v === 'string' ? v : undefined;
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

/** → { traceparent, tracestate?, baggage?, request_id, client_id?, enqueued_at } */
export function injectMessageHeaders(options: InjectMessageHeadersOptions = {}): Record<string, string> {
  const ctx = options.context ?? otelContext.active();
  const headers: Record<string, string> = {};
  propagator.inject(ctx, headers, setter);
  const scope = getRequestScope(ctx);
  const requestId = options.requestId ?? scope?.requestId;
  if (requestId !== undefined) headers.request_id = requestId;
  if (scope?.clientId !== undefined) headers.client_id = scope.clientId;
  headers.enqueued_at = String(Math.round(options.enqueuedAt ?? Date.now()));
  return headers;
}

/**
 * Never throws. A malformed/invalid traceparent yields a context with no remote span, so the
 * consumer starts a new trace.
 */
export function extractMessageHeaders(headers: Record<string, string | undefined>): ExtractedMessageContext {
  let ctx: Context = ROOT_CONTEXT;
  try {
    ctx = propagator.extract(ROOT_CONTEXT, headers ?? {}, getter);
    const sc = trace.getSpanContext(ctx);
    if (sc !== undefined) {
      if (!isSpanContextValid(sc)) {
        ctx = trace.deleteSpan(ctx);
      } else if ((sc.traceFlags & ~TraceFlags.SAMPLED) !== 0) {
        // W3C level 1 defines only the sampled bit and says unknown flags must be zeroed
        // when propagating; OTel keeps them and would re-inject e.g. `0ff` (3 hex chars).
        ctx = trace.setSpanContext(ctx, { ...sc, traceFlags: sc.traceFlags & TraceFlags.SAMPLED });
      }
    }
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
 * W3C headers only (`traceparent`, `tracestate`, `baggage`) for an outgoing HTTP request that
 * the HTTP instrumentation does not see (e.g. global fetch/undici, used for webhooks).
 */
export function injectTraceHeaders(ctx: Context = otelContext.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  propagator.inject(ctx, headers, setter);
  return headers;
}

/**
 * Parent context from incoming HTTP headers (Node's IncomingHttpHeaders shape: lower-case
 * names, repeated headers as arrays, which W3C treats as invalid for traceparent). Never throws.
 */
export function extractHttpContext(headers: Record<string, string | string[] | undefined>): Context {
  const flat: Record<string, string | undefined> = {};
  for (const name of ['traceparent', 'tracestate', 'baggage']) {
    const v = headers?.[name];
    // Two traceparent headers are invalid (W3C); several tracestate/baggage headers combine.
    if (Array.isArray(v)) flat[name] = name === 'traceparent' ? (v.length === 1 ? v[0] : undefined) : v.join(',');
    else flat[name] = v;
  }
  return extractMessageHeaders(flat).context;
}
