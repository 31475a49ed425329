/**
 * What one sender may make the explorer store and what one query may make it return. The
 * ingest limits follow the OpenTelemetry SDK's span limits (attribute count 128, event and link
 * count 128, attributes per event/link 128), plus what an SDK never needs but a hostile sender
 * tries: nesting depth of map/array values, string length, spans per trace, clock skew.
 * Anything over a limit is dropped or cut and counted (the span's `otel.dropped_*_count`
 * attributes, the export's `partial_success`), never a reason to fail the whole request.
 */

export interface IngestLimits {
  /** Map/array values nested deeper than this are dropped whole (JSON.stringify and readers stay safe). */
  maxAttributeDepth: number;
  /** Strings (attribute values, names, log bodies) longer than this are cut, as the SDK's attributeValueLengthLimit does. */
  maxAttributeValueLength: number;
  maxAttributesPerSpan: number;
  maxAttributesPerEvent: number;
  maxAttributesPerLink: number;
  maxAttributesPerLogRecord: number;
  maxAttributesPerResource: number;
  maxEventsPerSpan: number;
  maxLinksPerSpan: number;
  /** Elements of one array or map value (across all its levels). */
  maxValueElements: number;
  /** A trace that already holds this many spans accepts no more (rejected, counted in partial_success). */
  maxSpansPerTrace: number;
  /** Times further ahead of the receive time than this are clamped to it (the original kept as an attribute). */
  maxFutureSkewMs: number;
}

export interface QueryLimits {
  /** Spans of one trace in one answer; the rest is cut with a trace warning. */
  maxSpansPerTrace: number;
  /** Spans of all traces of one search answer together. */
  maxSpansPerResponse: number;
  /** Characters of one served tag/field value (strings, and arrays/maps as JSON); longer ones end in a marker. */
  maxServedValueLength: number;
  /** Trace ids asked for in one request (`/api/traces/a,b,…`, `?traceID=`). */
  maxTraceIdsPerRequest: number;
}

export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxAttributeDepth: 16,
  maxAttributeValueLength: 64 * 1024,
  maxAttributesPerSpan: 128,
  maxAttributesPerEvent: 128,
  maxAttributesPerLink: 128,
  maxAttributesPerLogRecord: 128,
  maxAttributesPerResource: 128,
  maxEventsPerSpan: 128,
  maxLinksPerSpan: 128,
  maxValueElements: 10_000,
  maxSpansPerTrace: 20_000,
  maxFutureSkewMs: 10 * 60_000,
});

export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = Object.freeze({
  maxSpansPerTrace: 10_000,
  maxSpansPerResponse: 100_000,
  maxServedValueLength: 16 * 1024,
  maxTraceIdsPerRequest: 1_500,
});

/**
 * Attributes the explorer itself adds to a stored span or log record. `otel.dropped_*_count`
 * are the OTLP fields of the same names (the sender's count plus the explorer's), kept as
 * attributes so the store needs no extra columns and every reader shows them.
 */
export const EXPLORER_ATTR = {
  DROPPED_ATTRIBUTES: 'otel.dropped_attributes_count',
  DROPPED_EVENTS: 'otel.dropped_events_count',
  DROPPED_LINKS: 'otel.dropped_links_count',
  /** How many string values were cut to maxAttributeValueLength on receipt. */
  TRUNCATED_VALUES: 'diffscope.explorer.truncated_values',
  /** The sender's start time (span) or time (log), µs since the epoch, when it was clamped. */
  ORIGINAL_TIME_US: 'diffscope.explorer.original_time_us',
} as const;
