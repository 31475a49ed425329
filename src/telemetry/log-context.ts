/**
 * The per-line context fragment: `,"request_id":…,"client_id":…,"trace_id":…,"span_id":…`.
 * Built from the active OTel Context on every enabled log call, but each piece is serialised
 * once per scope / per span and cached (scopes are frozen, span ids never change), so the hot
 * path is two Context lookups and two WeakMap hits.
 */
import { context, isSpanContextValid, trace, type Span } from '@opentelemetry/api';
import { REQUEST_SCOPE_KEY, type RequestScope } from './request-scope.js';

interface ScopeParts {
  requestId: string;
  clientId: string;
}

const scopeCache = new WeakMap<object, ScopeParts>();
const spanCache = new WeakMap<Span, string>();

function scopeParts(scope: RequestScope): ScopeParts {
  let parts = scopeCache.get(scope);
  if (parts === undefined) {
    parts = {
      requestId: typeof scope.requestId === 'string' ? `,"request_id":${JSON.stringify(scope.requestId)}` : '',
      clientId: typeof scope.clientId === 'string' ? `,"client_id":${JSON.stringify(scope.clientId)}` : '',
    };
    scopeCache.set(scope, parts);
  }
  return parts;
}

function spanPart(span: Span): string {
  let part = spanCache.get(span);
  if (part === undefined) {
    const sc = span.spanContext();
    // Ids come from the SDK or the W3C parser (lower-case hex), so they need no escaping.
    part = isSpanContextValid(sc) ? `,"trace_id":"${sc.traceId}","span_id":"${sc.spanId}"` : '';
    spanCache.set(span, part);
  }
  return part;
}

/** Which context keys the caller already supplied (in fields or child bindings): those are left out. */
export const SKIP_REQUEST_ID = 1;
export const SKIP_CLIENT_ID = 2;
export const SKIP_TRACE = 4;

export function contextFragment(skip: number): string {
  const ctx = context.active();
  let out = '';
  const scope = ctx.getValue(REQUEST_SCOPE_KEY) as RequestScope | undefined;
  if (scope !== undefined) {
    const parts = scopeParts(scope);
    if ((skip & SKIP_REQUEST_ID) === 0) out = parts.requestId;
    if ((skip & SKIP_CLIENT_ID) === 0) out += parts.clientId;
  }
  if ((skip & SKIP_TRACE) === 0) {
    const span = trace.getSpan(ctx);
    if (span !== undefined) out += spanPart(span);
  }
  return out;
}
