/**
 * Zipkin v2 JSON (the body of `POST /api/v2/spans`: a list of spans, zipkin2-api.yaml) → the
 * explorer's span records, under the same ingest limits as OTLP (the request's DecodeContext).
 * The mapping is the inverse of the OpenTelemetry → Zipkin transformation of the OTel
 * specification (exporter-zipkin), which is what `@opentelemetry/exporter-zipkin` sends:
 *
 * - ids: hex, lowercased; a 64-bit trace id (16 hex) is left-padded to 128 bits, as Zipkin and
 *   the Collector's zipkin receiver do; span ids shorter than 16 hex are left-padded;
 * - kind: CLIENT/SERVER/PRODUCER/CONSUMER; absent (a local span) → INTERNAL;
 * - `localEndpoint.serviceName` → the resource's `service.name`; the endpoints' addresses and
 *   `remoteEndpoint.serviceName` → `network.local.*`, `network.peer.*`, `peer.service`;
 * - tags → string attributes, except the ones the OTel exporter derives from OTLP fields:
 *   `otel.status_code` / `error` / `otel.status_description` → the status,
 *   `otel.scope.*` / `otel.library.*` → the scope, `otel.dropped_*_count` → the dropped counts;
 * - annotations → events (name = value, no attributes);
 * - `debug` → attribute `zipkin.debug`; every reported span counts as sampled (flags 1);
 * - `shared` (the server half of a span whose id the client chose, B3 single-id RPCs): stored
 *   as its own span, as OTel models RPCs — a new id derived from the shared one (the same
 *   every time, so a resent batch lands on the same id) and the client half as its parent
 *   (what Jaeger's span-id deduper does at read time). Spans of this request that name the
 *   shared id as parent from the server's service move under the server half. A SERVER span
 *   sharing its id with another span of the same request is treated as shared even without
 *   the flag (older instrumentation).
 *
 * Malformed input (not a list, wrong types, ids that are not hex or too long) throws → 400, as
 * Zipkin's own decoder refuses such a list. Spans with all-zero ids or without a timestamp are
 * rejected alone and counted.
 */
import { createHash } from 'node:crypto';
import { DecodeContext } from '../otlp/decode-context.js';
import { finishSpan, firstN } from '../otlp/record-limits.js';
import { internResource } from '../otlp/resource-cache.js';
import { isZeroId, setAttr, type Attributes, type DecodedBatch, type SpanEvent, type SpanRecord } from '../otlp/model.js';

export class ZipkinFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipkinFormatError';
  }
}

/** Attributes the receiver adds for Zipkin fields that OTLP has no place for. */
export const ZIPKIN_ATTR = {
  DEBUG: 'zipkin.debug',
  SHARED: 'zipkin.shared',
} as const;

const KINDS: Record<string, number> = { CLIENT: 3, SERVER: 2, PRODUCER: 4, CONSUMER: 5 };
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_SERVER = 2;
const STATUS: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };
const FLAG_SAMPLED = 1;

type Json = Record<string, unknown>;

function optionalObject(value: unknown, what: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ZipkinFormatError(`${what} must be an object`);
  return value as Json;
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ZipkinFormatError(`${what} must be a string`);
  return value;
}

/** Epoch or duration microseconds: a non-negative number (fractions allowed, cut). */
function optionalMicros(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
    throw new ZipkinFormatError(`${what} must be a non-negative number of microseconds`);
  }
  return Math.floor(value);
}

const HEX = /^[0-9a-fA-F]+$/;

/** A hex id of 1..`maxHex` digits, lowercased and left-padded to `width`. */
function hexId(value: unknown, what: string, maxHex: number, width: number): string {
  const s = optionalString(value, what);
  if (s === undefined || s === '') throw new ZipkinFormatError(`${what} is required`);
  if (s.length > maxHex || !HEX.test(s)) throw new ZipkinFormatError(`${what} must be 1 to ${maxHex} hex digits`);
  return s.toLowerCase().padStart(width, '0');
}

/** A tag value: Zipkin's are strings; numbers and booleans are taken as their text. */
function tagText(value: unknown, key: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ZipkinFormatError(`tags.${key} must be a string`);
}

interface Endpoint {
  serviceName?: string;
  address?: string;
  port?: number;
}

function endpointOf(value: unknown, what: string): Endpoint {
  const e = optionalObject(value, what);
  if (!e) return {};
  const port = e.port;
  if (port !== undefined && port !== null && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new ZipkinFormatError(`${what}.port must be a port number`);
  }
  const ipv4 = optionalString(e.ipv4, `${what}.ipv4`);
  const ipv6 = optionalString(e.ipv6, `${what}.ipv6`);
  return {
    serviceName: optionalString(e.serviceName, `${what}.serviceName`),
    address: ipv4 || ipv6 || undefined,
    port: typeof port === 'number' && port > 0 ? port : undefined,
  };
}

/** The structural part of one span, read before any record is built (shared-span handling needs all of them). */
interface Head {
  raw: Json;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  shared: boolean;
  service: string;
  startUs: number | undefined;
}

function headOf(raw: unknown, index: number): Head {
  const s = optionalObject(raw, `span[${index}]`);
  if (!s) throw new ZipkinFormatError(`span[${index}] must be an object`);
  const kindName = optionalString(s.kind, 'kind');
  if (kindName !== undefined && !Object.hasOwn(KINDS, kindName))
    throw new ZipkinFormatError('kind must be CLIENT, SERVER, PRODUCER or CONSUMER');
  if (s.shared !== undefined && s.shared !== null && typeof s.shared !== 'boolean') throw new ZipkinFormatError('shared must be a boolean');
  const parent = s.parentId === undefined || s.parentId === null || s.parentId === '' ? '' : hexId(s.parentId, 'parentId', 16, 16);
  return {
    raw: s,
    traceId: hexId(s.traceId, 'traceId', 32, 32),
    spanId: hexId(s.id, 'id', 16, 16),
    parentSpanId: isZeroId(parent) ? '' : parent,
    kind: kindName === undefined ? SPAN_KIND_INTERNAL : KINDS[kindName],
    shared: s.shared === true,
    service: optionalString(optionalObject(s.localEndpoint, 'localEndpoint')?.serviceName, 'localEndpoint.serviceName') ?? '',
    // Zipkin reads a timestamp of 0 as absent
    startUs: optionalMicros(s.timestamp, 'timestamp') || undefined,
  };
}

/** The server half's own id: derived from the shared one, never zero, never the shared id itself. */
export function serverHalfId(traceId: string, sharedId: string): string {
  const digest = createHash('sha256').update(`zipkin-shared/${traceId}/${sharedId}`).digest('hex');
  for (let i = 0; i + 16 <= digest.length; i += 16) {
    const candidate = digest.slice(i, i + 16);
    if (!isZeroId(candidate) && candidate !== sharedId) return candidate;
  }
  return digest.slice(0, 16);
}

/**
 * Ids of the server halves of shared spans, by `traceId/sharedId/service`: flagged `shared`, or
 * SERVER spans whose id another span of the request also uses.
 */
function serverHalves(heads: Head[]): Map<string, string> {
  const idsSeen = new Map<string, number>();
  for (const h of heads) idsSeen.set(`${h.traceId}/${h.spanId}`, (idsSeen.get(`${h.traceId}/${h.spanId}`) ?? 0) + 1);
  const halves = new Map<string, string>();
  for (const h of heads) {
    const sharesId = h.kind === SPAN_KIND_SERVER && (idsSeen.get(`${h.traceId}/${h.spanId}`) ?? 0) > 1;
    if (h.shared || sharesId) halves.set(`${h.traceId}/${h.spanId}/${h.service}`, serverHalfId(h.traceId, h.spanId));
  }
  return halves;
}

interface Tags {
  attributes: Attributes;
  dropped: number;
  statusCode: number;
  statusMessage: string;
  scopeName: string;
  scopeVersion: string;
  senderDroppedEvents: number;
  senderDroppedLinks: number;
}

/** A count tag the OTel exporter writes (`otel.dropped_*_count`); anything unreadable counts 0. */
function countTag(value: string): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function readTags(raw: unknown, ctx: DecodeContext): Tags {
  const tags = optionalObject(raw, 'tags') ?? {};
  const out: Tags = {
    attributes: {},
    dropped: 0,
    statusCode: 0,
    statusMessage: '',
    scopeName: '',
    scopeVersion: '',
    senderDroppedEvents: 0,
    senderDroppedLinks: 0,
  };
  const max = ctx.limits.maxAttributesPerSpan;
  let kept = 0;
  let statusTag: string | undefined;
  let errorTag: string | undefined;
  let description: string | undefined;
  for (const key of Object.keys(tags)) {
    const value = tagText(tags[key], key);
    switch (key) {
      case 'otel.status_code':
        statusTag = value.toUpperCase();
        continue;
      case 'error':
        errorTag = value;
        continue;
      case 'otel.status_description':
        description = value;
        continue;
      case 'otel.scope.name':
      case 'otel.library.name':
        out.scopeName ||= ctx.text(value);
        continue;
      case 'otel.scope.version':
      case 'otel.library.version':
        out.scopeVersion ||= ctx.text(value);
        continue;
      case 'otel.dropped_attributes_count':
        out.dropped += countTag(value);
        continue;
      case 'otel.dropped_events_count':
        out.senderDroppedEvents += countTag(value);
        continue;
      case 'otel.dropped_links_count':
        out.senderDroppedLinks += countTag(value);
        continue;
      default:
    }
    if (kept >= max) {
      ctx.noteDropped('count');
      out.dropped++;
      continue;
    }
    setAttr(out.attributes, ctx.text(key), ctx.text(value));
    kept++;
  }
  // The OTel exporter writes the status code and, for errors, the message as `error`; other
  // Zipkin instrumentation writes only `error` (its value the message, possibly empty).
  if (statusTag !== undefined && Object.hasOwn(STATUS, statusTag)) out.statusCode = STATUS[statusTag];
  else if (errorTag !== undefined) out.statusCode = STATUS.ERROR;
  if (out.statusCode === STATUS.ERROR) out.statusMessage = ctx.text(description ?? (errorTag === 'true' ? '' : (errorTag ?? '')));
  else if (errorTag !== undefined && kept < max) setAttr(out.attributes, 'error', ctx.text(errorTag));
  return out;
}

/** Sets an attribute the receiver derives, unless a tag already has the key or the record is full. */
function addDerived(tags: Tags, key: string, value: string | number | boolean | undefined, ctx: DecodeContext): void {
  if (value === undefined || value === '' || Object.hasOwn(tags.attributes, key)) return;
  if (Object.keys(tags.attributes).length >= ctx.limits.maxAttributesPerSpan) {
    ctx.noteDropped('count');
    tags.dropped++;
    return;
  }
  tags.attributes[key] = typeof value === 'string' ? ctx.text(value) : value;
}

function annotationsOf(raw: unknown, ctx: DecodeContext): { events: SpanEvent[]; total: number } {
  if (raw === undefined || raw === null) return { events: [], total: 0 };
  if (!Array.isArray(raw)) throw new ZipkinFormatError('annotations must be a list');
  const events = firstN(raw, ctx.limits.maxEventsPerSpan, (n) => ctx.dropEvents(n)).map((a, i) => {
    const annotation = optionalObject(a, `annotations[${i}]`) ?? {};
    const timeUs = optionalMicros(annotation.timestamp, 'annotation.timestamp');
    if (timeUs === undefined) throw new ZipkinFormatError('annotation.timestamp is required');
    return { timeUs, name: ctx.text(optionalString(annotation.value, 'annotation.value') ?? ''), attributes: {} };
  });
  return { events, total: raw.length };
}

export function decodeZipkinJson(body: Uint8Array, ctx: DecodeContext = new DecodeContext()): DecodedBatch<SpanRecord> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new ZipkinFormatError('body is not valid JSON');
  }
  if (!Array.isArray(parsed)) throw new ZipkinFormatError('body must be a JSON list of Zipkin v2 spans');
  const heads = parsed.map(headOf);
  const halves = serverHalves(heads);
  const records: SpanRecord[] = [];
  let zeroIds = 0;
  let noTimestamp = 0;
  for (const h of heads) {
    if (isZeroId(h.traceId) || isZeroId(h.spanId)) {
      zeroIds++;
      continue;
    }
    const { events, total } = annotationsOf(h.raw.annotations, ctx);
    const dates = events.map((e) => e.timeUs).filter((t) => t > 0);
    const startUs = h.startUs ?? (dates.length ? Math.min(...dates) : undefined);
    if (startUs === undefined) {
      noTimestamp++;
      continue;
    }
    ctx.beginRecord();
    const s = h.raw;
    const local = endpointOf(s.localEndpoint, 'localEndpoint');
    const remote = endpointOf(s.remoteEndpoint, 'remoteEndpoint');
    const tags = readTags(s.tags, ctx);
    addDerived(tags, 'network.local.address', local.address, ctx);
    addDerived(tags, 'network.local.port', local.port, ctx);
    addDerived(tags, 'peer.service', remote.serviceName, ctx);
    addDerived(tags, 'network.peer.address', remote.address, ctx);
    addDerived(tags, 'network.peer.port', remote.port, ctx);
    if (s.debug === true) addDerived(tags, ZIPKIN_ATTR.DEBUG, true, ctx);

    let spanId = h.spanId;
    let parentSpanId = h.parentSpanId;
    const ownHalf = halves.get(`${h.traceId}/${h.spanId}/${h.service}`);
    if (ownHalf && (h.shared || h.kind === SPAN_KIND_SERVER)) {
      spanId = ownHalf;
      parentSpanId = h.spanId;
      addDerived(tags, ZIPKIN_ATTR.SHARED, true, ctx);
    } else if (parentSpanId) {
      parentSpanId = halves.get(`${h.traceId}/${parentSpanId}/${h.service}`) ?? parentSpanId;
    }
    const serviceName = h.service ? ctx.text(h.service) : '';
    const duration = optionalMicros(s.duration, 'duration') ?? 0;
    records.push(
      finishSpan(ctx, {
        traceId: h.traceId,
        spanId,
        parentSpanId,
        traceState: '',
        resource: internResource(serviceName ? { 'service.name': serviceName } : {}),
        scopeName: tags.scopeName,
        scopeVersion: tags.scopeVersion,
        name: ctx.text(optionalString(s.name, 'name') ?? ''),
        kind: h.kind,
        startUs,
        endUs: startUs + duration,
        flags: FLAG_SAMPLED,
        statusCode: tags.statusCode,
        statusMessage: tags.statusMessage,
        attributes: tags.attributes,
        droppedAttributes: tags.dropped,
        events,
        droppedEvents: total - events.length + tags.senderDroppedEvents,
        links: [],
        droppedLinks: tags.senderDroppedLinks,
      }),
    );
  }
  const reasons: string[] = [];
  if (zeroIds) reasons.push('spans with an all-zero traceId or id were dropped');
  if (noTimestamp) reasons.push('spans without a timestamp (and no annotation to date them) were dropped');
  const rejected = zeroIds + noTimestamp;
  return { records, rejected, rejectReason: rejected ? reasons.join('; ') : undefined, warnings: ctx.warnings() };
}
