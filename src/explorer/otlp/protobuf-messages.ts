/**
 * The shapes protobufjs's reflection decoder returns for the OTLP messages in proto-schema.ts
 * (keepCase false, so camelCase names). The decoder enforces the schema, so these types are what
 * every decoded request holds: repeated fields are arrays (empty when absent), an unset sub-message
 * is null, 64-bit integers are long.js Longs, an unset bytes field is an empty array, and a oneof's
 * own name (`AnyValue.value`) holds the name of the field that is set.
 */

export interface LongLike {
  low: number;
  high: number;
  toNumber(): number;
}

/** fixed64/int64: a Long (protobufjs with long.js, its dependency) or a plain number. */
export type Int64 = LongLike | number;

/** A bytes field: a Uint8Array when present, protobufjs's empty-array default when not. */
export type Bytes = Uint8Array | readonly number[];

export interface AnyValueMsg {
  value?: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';
  stringValue: string;
  boolValue: boolean;
  intValue: Int64;
  doubleValue: number;
  arrayValue: { values: AnyValueMsg[] } | null;
  kvlistValue: { values: KeyValueMsg[] } | null;
  bytesValue: Bytes;
}

export interface KeyValueMsg {
  key: string;
  value: AnyValueMsg | null;
}

interface ResourceMsg {
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
}

interface ScopeMsg {
  name: string;
  version: string;
}

export interface EventMsg {
  timeUnixNano: Int64;
  name: string;
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
}

export interface LinkMsg {
  traceId: Bytes;
  spanId: Bytes;
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
}

export interface SpanMsg {
  traceId: Bytes;
  spanId: Bytes;
  traceState: string;
  parentSpanId: Bytes;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: Int64;
  endTimeUnixNano: Int64;
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
  events: EventMsg[];
  droppedEventsCount: number;
  links: LinkMsg[];
  droppedLinksCount: number;
  status: { message: string; code: number } | null;
}

export interface ExportTraceServiceRequestMsg {
  resourceSpans: { resource: ResourceMsg | null; scopeSpans: { scope: ScopeMsg | null; spans: SpanMsg[] }[] }[];
}

export interface LogRecordMsg {
  timeUnixNano: Int64;
  observedTimeUnixNano: Int64;
  severityNumber: number;
  severityText: string;
  body: AnyValueMsg | null;
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
  traceId: Bytes;
  spanId: Bytes;
  eventName: string;
}

export interface ExportLogsServiceRequestMsg {
  resourceLogs: { resource: ResourceMsg | null; scopeLogs: { scope: ScopeMsg | null; logRecords: LogRecordMsg[] }[] }[];
}
