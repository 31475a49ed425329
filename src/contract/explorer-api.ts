/**
 * Wire shapes of the explorer's query API (src/explorer/api/*), read by the UI in web/. The
 * trace endpoints speak Jaeger's query-service JSON (`model/json` in Jaeger; times in
 * microseconds) so Jaeger's own UI and Grafana's Jaeger data source read them too.
 */
import type { StageName } from './stages.js';

// ---- Jaeger JSON (GET /api/traces, /api/traces/:id, /api/services, /api/operations, /api/dependencies)

export type JaegerTagType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface JaegerTag {
  key: string;
  type: JaegerTagType;
  value: string | number | boolean;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

/** A span event. */
export interface JaegerLog {
  timestamp: number;
  fields: JaegerTag[];
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  /** W3C trace flags (the low byte of OTLP's flags). */
  flags: number;
  operationName: string;
  references: JaegerReference[];
  /** µs since epoch. */
  startTime: number;
  /** µs. */
  duration: number;
  tags: JaegerTag[];
  logs: JaegerLog[];
  processID: string;
  warnings: string[] | null;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerTag[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

export interface JaegerOperation {
  name: string;
  /** `server`, `client`, … or '' when unspecified. */
  spanKind: string;
}

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
}

export interface JaegerError {
  code: number;
  msg: string;
}

/** Jaeger's envelope around every answer. */
export interface JaegerEnvelope<T> {
  data: T;
  total: number;
  limit: number;
  offset: number;
  errors: null;
}

export interface JaegerErrorEnvelope {
  data: null;
  total: 0;
  limit: 0;
  offset: 0;
  errors: JaegerError[];
}

// ---- diffscope's own endpoints

/** GET /api/logs: one stored log line, newest first. */
export interface LogEntry {
  id: number;
  /** ISO-8601 UTC with ms. */
  timestamp: string;
  time_us: number;
  level: string;
  service: string;
  event: string | null;
  trace_id: string | null;
  span_id: string | null;
  request_id: string | null;
  /** The OTLP record's body when it differs from the event name. */
  body: string | null;
  /** Every other field of the line. */
  attributes: Record<string, unknown>;
}

export interface LogSearchResponse {
  data: LogEntry[];
  /** Matches counted, capped (a broad search does not count millions of rows). */
  total: number;
}

export interface StageStats {
  stage: StageName;
  /** Requests that had this stage. */
  count: number;
  p50_ms: number;
  p95_ms: number;
}

export interface StageGroupKey {
  model: string | null;
  sampler: string | null;
  steps: number | null;
  /** `<width>x<height>`. */
  size: string | null;
}

export interface StageGroup {
  key: StageGroupKey;
  requests: number;
  stages: StageStats[];
  /** The group's slowest request end to end, and its median one (nearest rank): the UI compares the two. */
  slowest_trace_id: string;
  median_trace_id: string;
}

/** GET /api/analysis/stages → `{ data: StageAnalysis }`: p50/p95 per stage of the last N requests. */
export interface StageAnalysis {
  requests: number;
  /** One entry per STAGES name, in STAGES order (also in `cold`, `warm` and each group). */
  stages: StageStats[];
  /** Requests whose cache state (stages.ts `cacheStateOf`) is cold; every other request is warm. */
  cold: { requests: number; stages: StageStats[] };
  warm: { requests: number; stages: StageStats[] };
  /** By model, sampler, steps and size; largest group first. */
  groups: StageGroup[];
}

export interface StageAnalysisResponse {
  data: StageAnalysis;
}

/** GET /api/health. */
export interface ExplorerHealth {
  status: 'ok';
  spans_written: number;
  logs_written: number;
}

/** A 400 from diffscope's own endpoints (logs, analysis). */
export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}
