import type { JSX } from 'preact';
import { useCallback, useEffect, useMemo, useRef } from 'preact/hooks';
import { Link } from '../../router/link.js';
import { CompareWithForm } from '../compare/compare-with-form.js';
import { navigate, queryString } from '../../router/router.js';
import { useStore } from '../../stores/store.js';
import { SpanDetail } from './detail/span-detail.js';
import { LogsPanel } from './logs-panel.js';
import { layoutStore, setLayout } from './store.layout.js';
import { createTimelineStore, revealSpan, selectSpan, setCollapsed } from './store.timeline.js';
import { TimelineView } from './timeline/timeline-view.js';
import { TraceHeader } from './trace-header.js';
import { TraceWarnings } from './trace-warnings.js';
import { BatchPanel } from './batch-panel.js';
import { markDrawn, useTraceLoading } from './use-trace-loading.js';
import type { TraceData } from './use-trace-loading.js';

/** Container: loads the trace, owns the per-trace store, keeps ?span= in the URL, lays out the views. */
export function TracePage({ traceID, spanParam }: { traceID: string; spanParam: string | null }): JSX.Element {
  const load = useTraceLoading(traceID);
  if (load.status === 'loading')
    return (
      <p class="pad muted" role="status">
        Loading trace {traceID}…
      </p>
    );
  if (load.status === 'missing')
    return (
      <p class="pad">
        Trace <span class="mono">{traceID}</span> was not found (its spans may not have arrived yet, or retention removed it).{' '}
        <Link href={`/logs${queryString({ trace_id: traceID, lookback: 'all' })}`}>Look for its log lines</Link>
      </p>
    );
  if (load.status === 'error')
    return (
      <p class="pad error-text">
        Could not load trace {traceID}: {load.error}
      </p>
    );
  return <TraceLoaded key={traceID} data={load.data} spanParam={spanParam} />;
}

function TraceLoaded({ data, spanParam }: { data: TraceData; spanParam: string | null }): JSX.Element {
  const { model } = data;
  const store = useMemo(() => createTimelineStore(), [model]);
  const layout = useStore(layoutStore, (s) => s);
  const selected = useStore(store, (s) => s.selected);

  // URL → selection (initial load, back/forward, links from log search).
  const applied = useRef<string | null | undefined>(undefined);
  if (applied.current !== spanParam) {
    applied.current = spanParam;
    const idx = spanParam ? model.byId.get(spanParam) : undefined;
    if (idx !== undefined) revealSpan(store, model, idx);
    else if (store.get().selected < 0 && model.roots.length > 0) selectSpan(store, model.roots[0]);
  }
  // Selection → URL, replacing so the back button is not flooded by clicks.
  useEffect(() => {
    const span = model.spans[selected];
    if (!span || span.spanID === spanParam) return;
    applied.current = span.spanID;
    navigate(`/trace/${encodeURIComponent(model.traceID)}${queryString({ span: span.spanID })}`, { replace: true });
  }, [selected, model, spanParam]);

  const onRendered = useCallback(() => markDrawn(model.traceID), [model]);
  const onSelect = useCallback((i: number) => revealSpan(store, model, i), [store, model]);
  const collapseToDepth = (depth: number): void => {
    const next = new Set<number>();
    for (const s of model.spans) if (s.depth >= depth && s.children.length > 0) next.add(s.index);
    setCollapsed(store, next);
  };

  return (
    <div class="trace-page">
      <TraceHeader data={data} />
      <TraceWarnings model={model} onSelect={onSelect} />
      <BatchPanel data={data} />
      <div class="toolbar" role="toolbar" aria-label="trace view options">
        <button type="button" onClick={() => setCollapsed(store, new Set())}>
          Expand all
        </button>
        <button type="button" onClick={() => collapseToDepth(1)}>
          Collapse to roots
        </button>
        <button type="button" onClick={() => collapseToDepth(2)}>
          Depth 2
        </button>
        <label>
          <input type="checkbox" checked={layout.inlineLogs} onChange={(e) => setLayout({ inlineLogs: e.currentTarget.checked })} /> Logs
          inline
        </label>
        <label>
          <input type="checkbox" checked={layout.logsPanel} onChange={(e) => setLayout({ logsPanel: e.currentTarget.checked })} /> Logs
          panel
        </label>
        <label>
          <input type="checkbox" checked={layout.detailPane} onChange={(e) => setLayout({ detailPane: e.currentTarget.checked })} /> Span
          detail
        </label>
        <CompareWithForm traceID={model.traceID} />
        <span class="legend">
          <span class="legend-critical" /> critical path <span class="legend-queue" /> queue wait <span class="legend-error" /> error
        </span>
      </div>
      <div class={`trace-body${layout.detailPane ? ' with-detail' : ''}`}>
        <div class="trace-main">
          <TimelineView data={data} store={store} onRendered={onRendered} />
          {layout.logsPanel && <LogsPanel data={data} store={store} />}
        </div>
        {layout.detailPane && (
          <aside class="detail-pane">
            <SpanDetail data={data} index={selected} onSelect={onSelect} />
          </aside>
        )}
      </div>
    </div>
  );
}
