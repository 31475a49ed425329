import { fetchTrace, searchLogs, searchTraces } from '../../api/client.js';
import { lookbackRange } from '../../components/time-range.js';
import { summarizeTrace } from '../../model/trace-summary.js';
import type { TraceSummary } from '../../model/trace-summary.js';
import type { JaegerTrace } from '../../model/types.js';
import type { SearchParams } from './search-params.js';
import { toTraceQuery } from './search-params.js';

const MAX_REQUEST_TRACES = 20;

/**
 * Runs a trace search. A request id is looked up two ways and merged: log lines carrying it
 * (→ their trace ids) and spans tagged diffscope.request_id.
 */
export async function runSearch(p: SearchParams, signal: AbortSignal): Promise<TraceSummary[]> {
  let traces: JaegerTrace[];
  if (p.requestId) {
    const range = lookbackRange(p.lookback, Date.now(), p);
    const [byLogs, byTag] = await Promise.all([
      searchLogs({ request_id: p.requestId, limit: 500, ...range }, signal).catch(() => ({ data: [], total: 0 })),
      searchTraces({ ...toTraceQuery(p), tags: { 'diffscope.request_id': p.requestId } }, signal).catch(() => [] as JaegerTrace[]),
    ]);
    const seen = new Set(byTag.map((t) => t.traceID));
    const missing = [...new Set(byLogs.data.map((l) => l.trace_id).filter((id): id is string => !!id && !seen.has(id)))].slice(
      0,
      MAX_REQUEST_TRACES,
    );
    const fetched = await Promise.all(missing.map((id) => fetchTrace(id, signal).catch(() => undefined)));
    traces = [...byTag, ...fetched.filter((t): t is JaegerTrace => !!t)];
  } else {
    traces = await searchTraces(toTraceQuery(p), signal);
  }
  let list = traces.map(summarizeTrace);
  // The backend may ignore tag filters it does not index; the errors-only promise is kept here too.
  if (p.errorsOnly) list = list.filter((t) => t.errorCount > 0);
  return sortSummaries(list, p.sort);
}

export function sortSummaries(list: TraceSummary[], sort: SearchParams['sort']): TraceSummary[] {
  const copy = [...list];
  if (sort === 'longest') copy.sort((a, b) => b.durationUs - a.durationUs);
  else if (sort === 'errors') copy.sort((a, b) => b.errorCount - a.errorCount || b.startUs - a.startUs);
  else copy.sort((a, b) => b.startUs - a.startUs);
  return copy;
}
