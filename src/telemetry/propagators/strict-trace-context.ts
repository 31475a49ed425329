/**
 * W3C Trace Context as the W3C test suite (w3c/trace-context test/test.py, default STRICT_LEVEL 2)
 * expects it. OpenTelemetry's W3CTraceContextPropagator parses `traceparent` correctly but keeps
 * the valid members of a broken `tracestate`; the suite expects the whole header discarded when any
 * member has an illegal key (characters, vendor format, length), an illegal value, a duplicated
 * key, or when there are more than 32 members. It also zeroes the flag bits W3C level 1 does not
 * define (OTel keeps them and would re-inject e.g. `0ff`, three hex digits).
 */
import { trace, TraceFlags, type Context, type TextMapGetter } from '@opentelemetry/api';
import { TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';

const MAX_MEMBERS = 32;
// The ABNF of https://www.w3.org/TR/trace-context/#tracestate-header (key, value).
const SIMPLE_KEY = '[a-z][a-z0-9_\\-*/]{0,255}';
const MULTI_TENANT_KEY = '[a-z0-9][a-z0-9_\\-*/]{0,240}@[a-z][a-z0-9_\\-*/]{0,13}';
const KEY = new RegExp(`^(?:${SIMPLE_KEY}|${MULTI_TENANT_KEY})$`);
// chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E (no ',' and no '='); last one not a space.
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
// OWS = *( SP / HTAB ) around list members.
const OWS = /^[ \t]+|[ \t]+$/g;

/**
 * The members of a combined `tracestate` value (several headers joined with `,`), or undefined
 * when the header must be discarded whole. Empty members are allowed (and not counted).
 */
export function parseStrictTraceState(raw: string): Array<[string, string]> | undefined {
  const members: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    const member = part.replace(OWS, '');
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq <= 0) return undefined;
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (!KEY.test(key) || !VALUE.test(value) || seen.has(key)) return undefined;
    seen.add(key);
    members.push([key, value]);
    if (members.length > MAX_MEMBERS) return undefined;
  }
  return members;
}

function rawTraceState(carrier: unknown, getter: TextMapGetter): string | undefined {
  const value = getter.get(carrier, 'tracestate');
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : undefined;
}

export class StrictW3CTraceContextPropagator extends W3CTraceContextPropagator {
  override extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = super.extract(context, carrier, getter);
    if (extracted === context) return context;
    const sc = trace.getSpanContext(extracted);
    if (sc === undefined) return extracted;
    const raw = rawTraceState(carrier, getter);
    const members = raw === undefined ? undefined : parseStrictTraceState(raw);
    // Rebuilt from the members that were checked here, so OTel's lenient parse never re-admits any.
    const traceState =
      members === undefined || members.length === 0 ? undefined : new TraceState(members.map(([k, v]) => `${k}=${v}`).join(','));
    return trace.setSpanContext(extracted, {
      ...sc,
      traceFlags: sc.traceFlags & TraceFlags.SAMPLED,
      traceState,
    });
  }
}
