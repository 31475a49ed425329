/**
 * Google Cloud's legacy `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=OPTIONS` header (TRACE_ID 32
 * hex digits, SPAN_ID the span id as an unsigned 64-bit decimal, `o=1` = traced), still sent by
 * some Google front ends (App Engine, older load balancers).
 *
 * Written here rather than taken from @google-cloud/opentelemetry-cloud-trace-propagator: that
 * package's own notice deprecates it ("archived after October 30th, 2026") and its constructor
 * emits a process DeprecationWarning, i.e. a stray stderr line in every service at start. The
 * test (test/telemetry/propagators.test.ts) holds this one to that package's output for the same
 * ids. Names as in Google's Java autoconfigure module: `gcp` reads and writes the header,
 * `oneway-gcp` only reads it (Google's advice when W3C headers go out too).
 */
import {
  isSpanContextValid,
  trace,
  TraceFlags,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';

export const X_CLOUD_TRACE_CONTEXT = 'x-cloud-trace-context';
const HEADER = /^([0-9a-fA-F]{32})\/([0-9]{1,20})(?:;o=([0-9]+))?$/;
const MAX_U64 = (1n << 64n) - 1n;

export class CloudTraceContextPropagator implements TextMapPropagator {
  readonly #oneWay: boolean;

  constructor(options: { oneWay?: boolean } = {}) {
    this.#oneWay = options.oneWay ?? false;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (this.#oneWay || isTracingSuppressed(context)) return;
    const sc = trace.getSpanContext(context);
    if (sc === undefined || !isSpanContextValid(sc)) return;
    const spanId = BigInt('0x' + sc.spanId).toString(10);
    setter.set(carrier, X_CLOUD_TRACE_CONTEXT, `${sc.traceId}/${spanId};o=${sc.traceFlags & TraceFlags.SAMPLED}`);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, X_CLOUD_TRACE_CONTEXT);
    const value = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
    if (typeof value !== 'string') return context;
    const match = HEADER.exec(value.trim());
    if (match === null) return context;
    const span = BigInt(match[2]);
    if (span === 0n || span > MAX_U64) return context;
    const sc = {
      traceId: match[1].toLowerCase(),
      spanId: span.toString(16).padStart(16, '0'),
      traceFlags: match[3] !== undefined && (Number(match[3]) & 1) === 1 ? TraceFlags.SAMPLED : TraceFlags.NONE,
      isRemote: true,
    };
    return isSpanContextValid(sc) ? trace.setSpanContext(context, sc) : context;
  }

  fields(): string[] {
    return this.#oneWay ? [] : [X_CLOUD_TRACE_CONTEXT];
  }
}
