import { useEffect, useState } from 'preact/hooks';
import { fetchTrace, searchLogs } from '../../api/client.js';
import { computeCriticalPath } from '../../model/critical-path.js';
import type { CriticalPath } from '../../model/critical-path.js';
import { summarizeDiffusion } from '../../model/diffusion.js';
import type { DiffusionSummary } from '../../model/diffusion.js';
import { transformTrace } from '../../model/transform-trace.js';
import { groupLogsBySpan } from '../../model/visible-rows.js';
import type { LogEntry, TraceModel } from '../../model/types.js';

export interface TraceData {
  model: TraceModel;
  critical: CriticalPath;
  diffusion: DiffusionSummary;
  logs: LogEntry[];
  logsBySpan: Map<number, LogEntry[]>;
  logsError?: string;
}

export type TraceLoad =
  { status: 'loading' } | { status: 'error'; error: string } | { status: 'missing' } | { status: 'done'; data: TraceData };

const MAX_TRACE_LOGS = 5000;

/** Loads a trace and its logs in parallel and shapes them once; marks `trace:data` for the draw timing. */
export function useTraceLoading(traceID: string): TraceLoad {
  const [state, setState] = useState<TraceLoad>({ status: 'loading' });
  useEffect(() => {
    const ctrl = new AbortController();
    setState({ status: 'loading' });
    const logsP = searchLogs({ trace_id: traceID, limit: MAX_TRACE_LOGS }, ctrl.signal).then(
      (r) => ({ logs: r.data, error: undefined as string | undefined }),
      (err: unknown) => ({ logs: [] as LogEntry[], error: err instanceof Error ? err.message : String(err) }),
    );
    fetchTrace(traceID, ctrl.signal)
      .then(async (trace) => {
        if (ctrl.signal.aborted) return;
        if (!trace) {
          setState({ status: 'missing' });
          return;
        }
        const { logs: raw, error } = await logsP;
        // the API returns newest first; a trace reads top to bottom in time order
        const logs = [...raw].sort((a, b) => a.time_us - b.time_us);
        if (ctrl.signal.aborted) return;
        performance.clearMarks('trace:data');
        performance.clearMarks('trace:drawn');
        performance.clearMeasures('trace:draw');
        performance.mark('trace:data');
        const model = transformTrace(trace);
        setState({
          status: 'done',
          data: {
            model,
            critical: computeCriticalPath(model),
            diffusion: summarizeDiffusion(model),
            logs,
            logsBySpan: groupLogsBySpan(model, logs),
            logsError: error,
          },
        });
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        const msg = err instanceof Error ? err.message : String(err);
        setState(msg.startsWith('404') ? { status: 'missing' } : { status: 'error', error: msg });
      });
    return () => ctrl.abort();
  }, [traceID]);
  return state;
}

/** After the waterfall has painted: mark `trace:drawn` and measure `trace:draw` (read by the browser tests and the bench). */
export function markDrawn(traceID: string): void {
  performance.mark('trace:committed');
  requestAnimationFrame(() => {
    // the rAF callback runs before paint; the next task runs after it
    setTimeout(() => {
      if (performance.getEntriesByName('trace:data', 'mark').length === 0) return;
      performance.mark('trace:drawn');
      const m = performance.measure('trace:draw', 'trace:data', 'trace:drawn');
      document.documentElement.dataset.traceDrawn = traceID;
      document.documentElement.dataset.traceDrawMs = m.duration.toFixed(1);
    }, 0);
  });
}
