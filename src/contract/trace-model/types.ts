// A Jaeger trace shaped once for walking (src/contract/trace-model/transform-trace.ts): indices
// instead of ids, so the explorer UI's waterfall, the critical path and `diffscope trace` stay O(n).
import type { JaegerLog, JaegerProcess, JaegerReference, JaegerTag } from '../explorer-api.js';

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
  /** What the explorer cut or dropped in this span (Jaeger's span warnings; a cut trace's first span also repeats the trace's). */
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
  /** What the explorer left out of the whole trace, e.g. spans past its per-trace limit (Jaeger's trace warnings). */
  warnings: string[];
}
