/**
 * The two output switches Jaeger's query service honours on trace JSON: `prettyPrint` (indented
 * JSON, any value but "" and "false", as Jaeger's writeJSON reads it) and `raw` (skip the
 * adjusters, i.e. return the spans exactly as stored). Shared by the v1 and the api_v3 routes.
 */
import type { FastifyReply } from 'fastify';
import type { StoredSpan } from '../store/span-queries.js';
import { BadParamError, firstString } from './params.js';

type Query = Record<string, string | string[] | undefined>;

/** Jaeger indents with four spaces. */
const PRETTY_INDENT = '    ';

// Go's strconv.ParseBool, which Jaeger uses for `raw` / `rawTraces`: anything else is a 400 there too.
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseGoBool(input: string | undefined, param: string): boolean | undefined {
  if (input === undefined || input === '') return undefined;
  if (TRUE_WORDS.has(input)) return true;
  if (FALSE_WORDS.has(input)) return false;
  throw new BadParamError(param, `${param}: expected true or false, got "${input}"`);
}

export function wantsPrettyPrint(query: Query): boolean {
  const value = firstString(query.prettyPrint);
  return value !== undefined && value !== '' && value !== 'false';
}

/** The first of `names` that is present and non-empty decides (Jaeger prefers the canonical spelling). */
export function rawFlag(query: Query, names: readonly string[]): boolean {
  for (const name of names) {
    const value = parseGoBool(firstString(query[name]), name);
    if (value !== undefined) return value;
  }
  return false;
}

export function sendJson(reply: FastifyReply, body: unknown, pretty: boolean): FastifyReply {
  if (!pretty) return reply.send(body);
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(body, null, PRETTY_INDENT));
}

/**
 * The one adjuster the explorer applies (Jaeger's DeduplicateSpans): an OTLP exporter that
 * retries an export the receiver had in fact committed stores the same spans twice; such exact
 * copies are shown once unless `raw` is asked for. Rows that share a span id but differ in any
 * stored value are all kept — they are different spans.
 */
export function withoutDuplicateSpans(spans: StoredSpan[]): StoredSpan[] {
  const seen = new Set<string>();
  const out: StoredSpan[] = [];
  for (const s of spans) {
    const key = JSON.stringify([
      s.trace_id,
      s.span_id,
      s.parent_span_id,
      s.resource_id,
      s.scope,
      s.name,
      s.kind,
      s.start_us,
      s.duration_us,
      s.status_code,
      s.status_message,
      s.flags,
      s.trace_state,
      s.attributes,
      s.events,
      s.links,
    ]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}
