import type { TraceModel } from './types.js';

export interface CriticalSection {
  spanIndex: number;
  startUs: number;
  endUs: number;
}

export interface CriticalPath {
  /** Sections in time order; each is time when that span itself (not a child) was what the trace waited on. */
  sections: CriticalSection[];
  /** Per span index: its critical sections (empty when off the path). */
  bySpan: Map<number, CriticalSection[]>;
}

/**
 * Walks backwards from the end of the trace: at each span, the child whose subtree finished last
 * (before the cursor) is what the span waited on; time not covered by such a child is the span's own.
 *
 * Unlike Jaeger, children that outlive their parent are not truncated: a span's reach is its
 * subtree end, so the api-server span that answered 202 still leads to queue.wait and inference.
 * Time when the waiting span itself was not running (an untraced hand-off) is left out.
 *
 * Iterative, with one cursor per span into its children sorted by subtree end: the cursor only moves
 * backwards, so each child is considered once and the walk is O(n log n) with no recursion.
 */
export function computeCriticalPath(model: TraceModel): CriticalPath {
  const { spans } = model;
  const sections: CriticalSection[] = [];
  if (spans.length === 0) return { sections, bySpan: new Map() };

  const sortedChildren = (children: number[]): number[] =>
    children.slice().sort((a, b) => spans[b].subtreeEndUs - spans[a].subtreeEndUs || spans[b].startUs - spans[a].startUs);
  // Slot n holds the virtual root; per-span child orders are built on first visit only.
  const VIRTUAL = -1;
  const n = spans.length;
  const ordered = new Array<number[] | undefined>(n + 1);
  const pointer = new Int32Array(n + 1);
  ordered[n] = sortedChildren(model.roots);
  const slot = (idx: number): number => (idx === VIRTUAL ? n : idx);
  const childrenOf = (idx: number): number[] => {
    const k = slot(idx);
    let list = ordered[k];
    if (!list) {
      const children = spans[idx].children;
      list = children.length > 1 ? sortedChildren(children) : children;
      ordered[k] = list;
    }
    return list;
  };

  // The virtual root spans the whole trace so orphans and several roots share one path.
  let current = VIRTUAL;
  let cursor = model.endUs;
  for (;;) {
    const list = childrenOf(current);
    let p = pointer[slot(current)];
    while (p < list.length && spans[list[p]].subtreeEndUs > cursor) p++;
    const startOf = current === VIRTUAL ? model.startUs : spans[current].startUs;
    const endOf = current === VIRTUAL ? model.endUs : spans[current].endUs;
    // Children that ended before this span began (clock skew) cannot be what it waited on.
    if (p < list.length && spans[list[p]].subtreeEndUs >= startOf) {
      const child = list[p];
      pointer[slot(current)] = p + 1;
      if (current !== VIRTUAL) pushSection(sections, current, Math.max(spans[child].subtreeEndUs, startOf), Math.min(cursor, endOf));
      current = child;
      cursor = spans[child].subtreeEndUs;
      continue;
    }
    pointer[slot(current)] = p;
    if (current === VIRTUAL) break;
    pushSection(sections, current, startOf, Math.min(cursor, endOf));
    cursor = Math.min(cursor, startOf);
    current = spans[current].parentIndex;
  }

  sections.reverse();
  const bySpan = new Map<number, CriticalSection[]>();
  for (const s of sections) {
    const list = bySpan.get(s.spanIndex);
    if (list) list.push(s);
    else bySpan.set(s.spanIndex, [s]);
  }
  return { sections, bySpan };
}

function pushSection(out: CriticalSection[], spanIndex: number, startUs: number, endUs: number): void {
  if (endUs <= startUs) return;
  const last = out[out.length - 1];
  // Walking backwards: merge with the previous piece of the same span when they touch.
  if (last && last.spanIndex === spanIndex && last.startUs === endUs) {
    last.startUs = startUs;
    return;
  }
  out.push({ spanIndex, startUs, endUs });
}
