// Wire shapes of the explorer API (Jaeger-compatible JSON, times in microseconds) and the
// shaped trace model the views read. Views never touch the wire shapes directly.

export interface JaegerTag {
  key: string;
  type?: string;
  value: unknown;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM' | string;
  traceID: string;
  spanID: string;
}

export interface JaegerLog {
  timestamp: number;
  fields: JaegerTag[];
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: JaegerReference[];
  startTime: number;
  duration: number;
  tags?: JaegerTag[];
  logs?: JaegerLog[];
  processID: string;
  warnings?: string[] | null;
}

export interface JaegerProcess {
  serviceName: string;
  tags?: JaegerTag[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings?: string[] | null;
}

export interface LogRecord {
  id: string | number;
  timestamp: string;
  time_us: number;
  level: string;
  service: string;
  event: string;
  trace_id?: string | null;
  span_id?: string | null;
  request_id?: string | null;
  body?: string | null;
  attributes?: Record<string, unknown>;
}

export interface StageStat {
  stage: string;
  count: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface StageGroup {
  key: { model?: string | null; sampler?: string | null; steps?: number | null; size?: string | null };
  requests: number;
  stages: StageStat[];
}

export interface StageAnalysis {
  requests: number;
  stages: StageStat[];
  cold: { requests: number; stages: StageStat[] };
  warm: { requests: number; stages: StageStat[] };
  groups: StageGroup[];
}

/** One span after shaping: indices instead of ids, so the views and the critical path stay O(n). */
export interface SpanNode {
  index: number;
  spanID: string;
  traceID: string;
  operationName: string;
  serviceName: string;
  startUs: number;
  durationUs: number;
  endUs: number;
  /** Latest end in this span's subtree: differs from endUs when children outlive the parent (202 then queue). */
  subtreeEndUs: number;
  parentIndex: number;
  /** The span named a parent that is not in the trace (late or lost data). */
  orphan: boolean;
  depth: number;
  children: number[];
  /** Number of descendants, so a collapsed subtree is skipped in one step. */
  descendantCount: number;
  tags: JaegerTag[];
  logs: JaegerLog[];
  references: JaegerReference[];
  process: JaegerProcess;
  kind: string;
  isError: boolean;
  warnings: string[];
}

export interface TraceModel {
  traceID: string;
  spans: SpanNode[];
  /** Span indices in depth-first order, children by start time. */
  preorder: number[];
  /** Position of each span index in `preorder`. */
  preorderPos: Int32Array;
  roots: number[];
  byId: Map<string, number>;
  startUs: number;
  endUs: number;
  durationUs: number;
  services: { name: string; count: number }[];
  maxDepth: number;
  errorCount: number;
  rootOperation: string;
  rootService: string;
}
