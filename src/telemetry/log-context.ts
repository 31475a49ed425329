/**
 * The per-line context fragment: `,"request_id":…,"client_id":…` and the trace fields of the
 * logger's line format (seed: `,"trace_id":…,"span_id":…`; log-formats/ for the others).
 * Built from the active OTel Context on every enabled log call, but each piece is serialised
 * once per scope / per span and cached (scopes are frozen, span ids never change), so the hot
 * path is two Context lookups and two WeakMap hits.
 */
import { context, isSpanContextValid, trace, type Span } from '@opentelemetry/api';
import type { LineFormat } from './log-formats/index.js';
import { REQUEST_SCOPE_KEY, type RequestScope } from './request-scope.js';
import { transactionIdOf } from './transaction-id.js';

interface ScopeParts {
  requestId: string;
  clientId: string;
}

const scopeCache = new WeakMap<object, ScopeParts>();

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

/** The trace part of one line format, cached per span (one per root logger, shared with its children). */
export class SpanFragments {
  readonly #format: LineFormat;
  readonly #cache = new WeakMap<Span, string>();

  constructor(format: LineFormat) {
    this.#format = format;
  }

  of(span: Span | undefined): string {
    if (span === undefined) return this.#format.noSpanFragment;
    let part = this.#cache.get(span);
    if (part === undefined) {
      const sc = span.spanContext();
      part = isSpanContextValid(sc)
        ? this.#format.spanFragment(sc, this.#format.wantsTransactionId ? transactionIdOf(span, sc) : undefined)
        : this.#format.noSpanFragment;
      this.#cache.set(span, part);
    }
    return part;
  }
}

/** Which context keys the caller already supplied (in fields or child bindings): those are left out. */
export const SKIP_REQUEST_ID = 1;
export const SKIP_CLIENT_ID = 2;
export const SKIP_TRACE = 4;

export function contextFragment(skip: number, spans: SpanFragments): string {
  const ctx = context.active();
  let out = '';
  const scope = ctx.getValue(REQUEST_SCOPE_KEY) as RequestScope | undefined;
  if (scope !== undefined) {
    const parts = scopeParts(scope);
    if ((skip & SKIP_REQUEST_ID) === 0) out = parts.requestId;
    if ((skip & SKIP_CLIENT_ID) === 0) out += parts.clientId;
  }
  if ((skip & SKIP_TRACE) === 0) out += spans.of(trace.getSpan(ctx));
  return out;
}
