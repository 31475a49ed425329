/**
 * Per-request decode state: the ingest limits, the receive time, and what the limits took away
 * (for each record's `otel.dropped_*_count` attributes and for the export's partial_success
 * message). Both decoders (JSON and protobuf) convert values through it, so the limits are
 * applied while converting — a value nested 5,000 deep is dropped at level 16, never walked.
 */
import { DEFAULT_INGEST_LIMITS, EXPLORER_ATTR, type IngestLimits } from '../limits.js';
import { setAttr, type AttrValue, type Attributes } from './model.js';

/** Returned by a value conversion that hit a limit: the whole attribute is dropped. */
export const DROP: unique symbol = Symbol('dropped');
export type Dropped = typeof DROP;

type DropReason = 'count' | 'depth' | 'elements';

export class DecodeContext {
  readonly limits: IngestLimits;
  /** Receive time, µs since the epoch. */
  readonly nowUs: number;
  private readonly dropped: Record<DropReason, number> = { count: 0, depth: 0, elements: 0 };
  private truncated = 0;
  private recordTruncated = 0;
  private droppedEvents = 0;
  private droppedLinks = 0;
  private clamped = 0;
  private droppedBodies = 0;
  private elementsLeft = 0;
  /** Why the last conversion returned DROP. */
  private dropReason: DropReason = 'depth';

  constructor(limits: Partial<IngestLimits> = {}, nowMs: number = Date.now()) {
    this.limits = { ...DEFAULT_INGEST_LIMITS, ...limits };
    this.nowUs = Math.floor(nowMs * 1000);
  }

  /** Call before each span or log record: the truncation count of a record is its own. */
  beginRecord(): void {
    this.recordTruncated = 0;
  }

  /** Call before converting each attribute value: the element budget is per value. */
  beginValue(): void {
    this.elementsLeft = this.limits.maxValueElements;
  }

  /** false once the current value has used up its element budget. */
  takeElement(): boolean {
    if (this.elementsLeft-- > 0) return true;
    this.dropReason = 'elements';
    return false;
  }

  /** A string cut to the value length limit (never inside a surrogate pair). */
  text(value: string): string {
    const max = this.limits.maxAttributeValueLength;
    if (value.length <= max) return value;
    this.truncated++;
    this.recordTruncated++;
    const code = value.charCodeAt(max - 1);
    return value.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
  }

  tooDeep(depth: number): boolean {
    if (depth < this.limits.maxAttributeDepth) return false;
    this.dropReason = 'depth';
    return true;
  }

  /** An attribute left out: over the count limit, or (default) for the reason its value was DROPped. */
  noteDropped(reason: DropReason = this.dropReason): void {
    this.dropped[reason]++;
  }

  /**
   * A KeyValue list under the count limit `max`, as both wire formats carry it: a key first seen
   * past the limit is dropped without converting its value, a value that hits the depth or
   * element limit is dropped whole, a repeated key takes the last value. `dropped` is how many
   * the limits took away.
   */
  attributes<V>(
    entries: readonly { key: string; value: V }[],
    max: number,
    convert: (value: V) => AttrValue | Dropped,
  ): { attributes: Attributes; dropped: number } {
    const attributes: Attributes = {};
    let kept = 0;
    let dropped = 0;
    for (const entry of entries) {
      const key = this.text(entry.key);
      const isNew = !Object.hasOwn(attributes, key);
      if (isNew && kept >= max) {
        this.noteDropped('count');
        dropped++;
        continue;
      }
      this.beginValue();
      const value = convert(entry.value);
      if (value === DROP) {
        this.noteDropped();
        dropped++;
        continue;
      }
      setAttr(attributes, key, value);
      if (isNew) kept++;
    }
    return { attributes, dropped };
  }

  dropEvents(n: number): void {
    this.droppedEvents += n;
  }

  dropLinks(n: number): void {
    this.droppedLinks += n;
  }

  dropBody(): void {
    this.droppedBodies++;
  }

  /** A time further ahead than the allowed skew becomes the receive time; `original` says it was. */
  clampTime(us: number): { us: number; original?: number } {
    if (!(us > this.nowUs + this.limits.maxFutureSkewMs * 1000)) return { us };
    this.clamped++;
    return { us: this.nowUs, original: us };
  }

  /** The explorer's own attributes for a finished record (only those that are non-zero). */
  recordAttributes(attributes: Attributes, droppedAttributes: number, originalTimeUs?: number): Attributes {
    if (droppedAttributes > 0) attributes[EXPLORER_ATTR.DROPPED_ATTRIBUTES] = droppedAttributes;
    if (this.recordTruncated > 0) attributes[EXPLORER_ATTR.TRUNCATED_VALUES] = this.recordTruncated;
    if (originalTimeUs !== undefined) {
      attributes[EXPLORER_ATTR.ORIGINAL_TIME_US] = Number.isSafeInteger(originalTimeUs) ? originalTimeUs : String(originalTimeUs);
    }
    return attributes;
  }

  /** One line per limit that took something away, for partial_success.error_message. */
  warnings(): string[] {
    const l = this.limits;
    const out: string[] = [];
    if (this.dropped.count)
      out.push(
        `${this.dropped.count} attribute(s) dropped: over the per-record limit (${l.maxAttributesPerSpan} per span, ${l.maxAttributesPerEvent} per event/link, ${l.maxAttributesPerLogRecord} per log record, ${l.maxAttributesPerResource} per resource)`,
      );
    if (this.dropped.depth) out.push(`${this.dropped.depth} attribute(s) dropped: value nested deeper than ${l.maxAttributeDepth} levels`);
    if (this.dropped.elements)
      out.push(`${this.dropped.elements} attribute(s) dropped: value with more than ${l.maxValueElements} elements`);
    if (this.truncated) out.push(`${this.truncated} string(s) cut to ${l.maxAttributeValueLength} characters`);
    if (this.droppedEvents) out.push(`${this.droppedEvents} event(s) dropped: over ${l.maxEventsPerSpan} per span`);
    if (this.droppedLinks) out.push(`${this.droppedLinks} link(s) dropped: over ${l.maxLinksPerSpan} per span`);
    if (this.droppedBodies)
      out.push(`${this.droppedBodies} log bod(ies) dropped: nested deeper than ${l.maxAttributeDepth} levels or too many elements`);
    if (this.clamped)
      out.push(
        `${this.clamped} timestamp(s) more than ${Math.round(l.maxFutureSkewMs / 1000)} s ahead of the receive time clamped to it (original in ${EXPLORER_ATTR.ORIGINAL_TIME_US})`,
      );
    return out;
  }
}
