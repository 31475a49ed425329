import type { JaegerProcess, JaegerSpan, JaegerTrace } from '../explorer-api.js';
import type { SpanNode, TraceModel } from './types.js';
import { isTruthyTag } from './tags.js';

const UNKNOWN_PROCESS: JaegerProcess = { serviceName: 'unknown', tags: [] };

/**
 * Shapes a Jaeger trace once: parent links, depth-first order, depths, subtree sizes and
 * subtree ends. Every walk is iterative (explicit stacks), so a 10k-deep chain cannot overflow.
 * Spans whose parent is missing become roots flagged `orphan`; reference cycles are broken the same way.
 */
export function transformTrace(trace: JaegerTrace): TraceModel {
  const raw = trace.spans ?? [];
  const n = raw.length;
  const byId = new Map<string, number>();
  for (let i = 0; i < n; i++) if (!byId.has(raw[i].spanID)) byId.set(raw[i].spanID, i);

  const spans = new Array<SpanNode>(n);
  for (let i = 0; i < n; i++) spans[i] = toNode(raw[i], i, trace.processes);

  for (let i = 0; i < n; i++) {
    const node = spans[i];
    const { parentIndex, orphan } = findParent(raw[i], i, byId);
    node.parentIndex = parentIndex;
    node.orphan = orphan;
  }
  for (let i = 0; i < n; i++) {
    const p = spans[i].parentIndex;
    if (p >= 0) spans[p].children.push(i);
  }
  const byStart = (a: number, b: number): number => spans[a].startUs - spans[b].startUs || a - b;
  for (const s of spans) if (s.children.length > 1) s.children.sort(byStart);

  const roots: number[] = [];
  for (let i = 0; i < n; i++) if (spans[i].parentIndex < 0) roots.push(i);
  roots.sort(byStart);

  const preorder: number[] = [];
  const visited = new Uint8Array(n);
  const walk = (root: number): void => {
    const stack = [root];
    spans[root].depth = 0;
    while (stack.length > 0) {
      const idx = stack.pop() as number;
      if (visited[idx]) continue;
      visited[idx] = 1;
      preorder.push(idx);
      const node = spans[idx];
      for (let c = node.children.length - 1; c >= 0; c--) {
        const child = node.children[c];
        spans[child].depth = node.depth + 1;
        stack.push(child);
      }
    }
  };
  for (const r of roots) walk(r);
  if (preorder.length < n) breakCycles(spans, visited, roots, walk);

  const preorderPos = new Int32Array(n);
  for (let p = 0; p < preorder.length; p++) preorderPos[preorder[p]] = p;
  let maxDepth = 0;
  for (let p = preorder.length - 1; p >= 0; p--) {
    const node = spans[preorder[p]];
    if (node.depth > maxDepth) maxDepth = node.depth;
    const parent = node.parentIndex;
    if (parent >= 0) {
      const pn = spans[parent];
      pn.descendantCount += node.descendantCount + 1;
      if (node.subtreeEndUs > pn.subtreeEndUs) pn.subtreeEndUs = node.subtreeEndUs;
    }
  }

  let startUs = Infinity;
  let endUs = -Infinity;
  let errorCount = 0;
  const serviceCounts = new Map<string, number>();
  for (const s of spans) {
    if (s.startUs < startUs) startUs = s.startUs;
    if (s.endUs > endUs) endUs = s.endUs;
    if (s.isError) errorCount++;
    serviceCounts.set(s.serviceName, (serviceCounts.get(s.serviceName) ?? 0) + 1);
  }
  if (n === 0) startUs = endUs = 0;
  const first = roots.length > 0 ? spans[roots[0]] : undefined;
  return {
    traceID: trace.traceID,
    spans,
    preorder,
    preorderPos,
    roots,
    byId,
    startUs,
    endUs,
    durationUs: endUs - startUs,
    services: [...serviceCounts]
      .map(([name, count]) => ({ name, count }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    maxDepth,
    errorCount,
    rootOperation: first?.operationName ?? '(no spans)',
    rootService: first?.serviceName ?? '',
    warnings: trace.warnings ?? [],
  };
}

function toNode(s: JaegerSpan, index: number, processes: Record<string, JaegerProcess>): SpanNode {
  const tags = s.tags ?? [];
  let kind = '';
  let isError = false;
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i];
    if (t.key === 'span.kind') kind = String(t.value);
    else if (t.key === 'error') isError ||= isTruthyTag(t.value);
    else if (t.key === 'otel.status_code') isError ||= t.value === 'ERROR' || t.value === 'STATUS_CODE_ERROR';
  }
  const start = Number(s.startTime) || 0;
  const duration = Math.max(0, Number(s.duration) || 0);
  const process = processes?.[s.processID] ?? UNKNOWN_PROCESS;
  return {
    index,
    spanID: s.spanID,
    traceID: s.traceID,
    operationName: s.operationName,
    serviceName: process.serviceName,
    startUs: start,
    durationUs: duration,
    endUs: start + duration,
    subtreeEndUs: start + duration,
    parentIndex: -1,
    orphan: false,
    depth: 0,
    children: [],
    descendantCount: 0,
    tags,
    logs: s.logs ?? [],
    references: s.references ?? [],
    process,
    kind,
    isError,
    warnings: s.warnings ?? [],
  };
}

/** CHILD_OF names the parent; a span with only FOLLOWS_FROM references hangs under the first one (Jaeger's rule). */
function findParent(s: JaegerSpan, self: number, byId: Map<string, number>): { parentIndex: number; orphan: boolean } {
  const refs = s.references ?? [];
  let sawChildOf = false;
  for (const r of refs) {
    if (r.refType !== 'CHILD_OF') continue;
    sawChildOf = true;
    const idx = byId.get(r.spanID);
    if (idx !== undefined && idx !== self && r.traceID === s.traceID) return { parentIndex: idx, orphan: false };
  }
  if (sawChildOf) return { parentIndex: -1, orphan: true };
  for (const r of refs) {
    if (r.refType !== 'FOLLOWS_FROM' || r.traceID !== s.traceID) continue;
    const idx = byId.get(r.spanID);
    if (idx !== undefined && idx !== self) return { parentIndex: idx, orphan: false };
  }
  return { parentIndex: -1, orphan: false };
}

/** Spans never reached from a root sit on a reference cycle: detach the earliest one and walk from it. */
function breakCycles(spans: SpanNode[], visited: Uint8Array, roots: number[], walk: (root: number) => void): void {
  const pending = spans.filter((s) => !visited[s.index]).sort((a, b) => a.startUs - b.startUs || a.index - b.index);
  for (const s of pending) {
    if (visited[s.index]) continue;
    const parent = spans[s.parentIndex];
    if (parent) parent.children = parent.children.filter((c) => c !== s.index);
    s.parentIndex = -1;
    s.orphan = true;
    roots.push(s.index);
    walk(s.index);
  }
}
