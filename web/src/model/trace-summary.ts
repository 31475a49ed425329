import type { JaegerTrace } from './types.js';
import { isTruthyTag } from './tags.js';

export interface TraceSummary {
  traceID: string;
  rootService: string;
  rootOperation: string;
  startUs: number;
  durationUs: number;
  spanCount: number;
  errorCount: number;
  services: { name: string; count: number; errors: number }[];
}

/** The search list needs a few numbers per trace; cheaper than shaping the full tree. */
export function summarizeTrace(trace: JaegerTrace): TraceSummary {
  const ids = new Set<string>();
  for (const s of trace.spans) ids.add(s.spanID);
  let start = Infinity;
  let end = -Infinity;
  let errorCount = 0;
  let root: JaegerTrace['spans'][number] | undefined;
  const services = new Map<string, { name: string; count: number; errors: number }>();
  for (const s of trace.spans) {
    if (s.startTime < start) start = s.startTime;
    if (s.startTime + s.duration > end) end = s.startTime + s.duration;
    const name = trace.processes?.[s.processID]?.serviceName ?? 'unknown';
    let svc = services.get(name);
    if (!svc) services.set(name, (svc = { name, count: 0, errors: 0 }));
    svc.count++;
    let err = false;
    for (const t of s.tags ?? []) {
      if ((t.key === 'error' && isTruthyTag(t.value)) || (t.key === 'otel.status_code' && t.value === 'ERROR')) err = true;
    }
    if (err) {
      errorCount++;
      svc.errors++;
    }
    const hasParent = (s.references ?? []).some((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID));
    if (!hasParent && (!root || s.startTime < root.startTime)) root = s;
  }
  if (trace.spans.length === 0) start = end = 0;
  return {
    traceID: trace.traceID,
    rootService: root ? (trace.processes?.[root.processID]?.serviceName ?? 'unknown') : '',
    rootOperation: root?.operationName ?? '(no spans)',
    startUs: start,
    durationUs: end - start,
    spanCount: trace.spans.length,
    errorCount,
    services: [...services.values()].sort((a, b) => b.count - a.count),
  };
}
