/**
 * The record-level half of the ingest limits, shared by both decoders: events and links beyond
 * their per-span limit are dropped before they are converted, times are clamped, and the
 * dropped counts (the sender's own plus the explorer's) become the record's attributes.
 */
import type { DecodeContext } from './decode-context.js';
import { EXPLORER_ATTR } from '../limits.js';
import type { Attributes, SpanRecord } from './model.js';

/** The first `max` items; how many were left out is reported through `drop`. */
export function firstN<T>(items: T[], max: number, drop: (n: number) => void): T[] {
  if (items.length <= max) return items;
  drop(items.length - max);
  return items.slice(0, max);
}

/** A span as decoded, before the limits: its end time instead of a duration, and what was dropped. */
export interface SpanParts extends Omit<SpanRecord, 'durationUs'> {
  endUs: number;
  /** Sender's dropped_attributes_count plus the attributes the limits dropped. */
  droppedAttributes: number;
  /** Sender's dropped_events_count plus the events over the limit. */
  droppedEvents: number;
  droppedLinks: number;
}

export function finishSpan(ctx: DecodeContext, p: SpanParts): SpanRecord {
  const start = ctx.clampTime(p.startUs);
  // a clamped span keeps its duration; its events move with it
  const shift = start.original !== undefined ? start.original - start.us : 0;
  for (const e of p.events) e.timeUs = ctx.clampTime(e.timeUs - shift).us;
  const attributes = ctx.recordAttributes(p.attributes, p.droppedAttributes, start.original);
  if (p.droppedEvents > 0) attributes[EXPLORER_ATTR.DROPPED_EVENTS] = p.droppedEvents;
  if (p.droppedLinks > 0) attributes[EXPLORER_ATTR.DROPPED_LINKS] = p.droppedLinks;
  return {
    traceId: p.traceId,
    spanId: p.spanId,
    parentSpanId: p.parentSpanId,
    traceState: p.traceState,
    resource: p.resource,
    scopeName: p.scopeName,
    scopeVersion: p.scopeVersion,
    name: p.name,
    kind: p.kind,
    startUs: start.us,
    durationUs: p.endUs > p.startUs ? p.endUs - p.startUs : 0,
    flags: p.flags,
    statusCode: p.statusCode,
    statusMessage: p.statusMessage,
    attributes,
    events: p.events,
    links: p.links,
  };
}

/** A log record's time, clamped; its original (when clamped) recorded on its attributes. */
export function finishLogTime(ctx: DecodeContext, timeUs: number, attributes: Attributes, droppedAttributes: number): number {
  const t = ctx.clampTime(timeUs);
  ctx.recordAttributes(attributes, droppedAttributes, t.original);
  return t.us;
}
