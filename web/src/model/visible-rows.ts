import type { LogEntry, TraceModel } from './types.js';

export type Row = { kind: 'span'; spanIndex: number } | { kind: 'log'; spanIndex: number; log: LogEntry };

export interface VisibleRowsOptions {
  collapsed: ReadonlySet<number>;
  /** Logs grouped by span index; rendered as rows under their span when given. */
  logsBySpan?: ReadonlyMap<number, readonly LogEntry[]>;
}

/**
 * The waterfall's rows in order. Walks the preorder once and jumps over collapsed subtrees
 * using their descendant count, so expanding/collapsing a node costs O(visible rows).
 */
export function visibleRows(model: TraceModel, options: VisibleRowsOptions): Row[] {
  const rows: Row[] = [];
  const { preorder, spans } = model;
  let p = 0;
  while (p < preorder.length) {
    const idx = preorder[p];
    rows.push({ kind: 'span', spanIndex: idx });
    const logs = options.logsBySpan?.get(idx);
    if (logs) for (const log of logs) rows.push({ kind: 'log', spanIndex: idx, log });
    p += options.collapsed.has(idx) ? spans[idx].descendantCount + 1 : 1;
  }
  return rows;
}

/** Ancestors of a span, nearest first: expanding them makes the span visible. */
export function ancestorsOf(model: TraceModel, spanIndex: number): number[] {
  const out: number[] = [];
  let p = model.spans[spanIndex]?.parentIndex ?? -1;
  while (p >= 0 && out.length <= model.spans.length) {
    out.push(p);
    p = model.spans[p].parentIndex;
  }
  return out;
}

/**
 * Groups the trace's log lines by span (by span_id, falling back to the root for lines of this
 * trace whose span is unknown), each group in time order.
 */
export function groupLogsBySpan(model: TraceModel, logs: readonly LogEntry[]): Map<number, LogEntry[]> {
  const out = new Map<number, LogEntry[]>();
  const fallback = model.roots[0];
  for (const log of logs) {
    let idx = log.span_id ? model.byId.get(log.span_id) : undefined;
    if (idx === undefined) idx = fallback;
    if (idx === undefined) continue;
    const list = out.get(idx);
    if (list) list.push(log);
    else out.set(idx, [log]);
  }
  for (const list of out.values()) list.sort((a, b) => a.time_us - b.time_us);
  return out;
}
