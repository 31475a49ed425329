import type { JSX, TargetedKeyboardEvent } from 'preact';
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useStore } from '../../../stores/store.js';
import { visibleRows } from '../../../model/visible-rows.js';
import { ownWarnings } from '../../../model/warnings.js';
import type { TraceData } from '../use-trace-loading.js';
import { layoutStore } from '../store.layout.js';
import { revealSpan, selectSpan, toggleCollapsed } from '../store.timeline.js';
import type { TimelineStore } from '../store.timeline.js';
import { OVERSCAN_ROWS, ROW_HEIGHT } from './geometry.js';
import { LogRow } from './log-row.js';
import { SpanRow } from './span-row.js';
import { TickLines, TimeRuler } from './time-ruler.js';

interface TimelineViewProps {
  data: TraceData;
  store: TimelineStore;
  onRendered?: () => void;
}

/** The waterfall. Only the rows inside the scroll viewport (plus a margin) are in the DOM. */
export function TimelineView({ data, store, onRendered }: TimelineViewProps): JSX.Element {
  const { model, critical, logsBySpan, diffusion } = data;
  const collapsed = useStore(store, (s) => s.collapsed);
  const selected = useStore(store, (s) => s.selected);
  const revealTick = useStore(store, (s) => s.revealTick);
  const inlineLogs = useStore(layoutStore, (s) => s.inlineLogs);
  const nameColumnPct = useStore(layoutStore, (s) => s.nameColumnPct);
  const rows = useMemo(
    () => visibleRows(model, { collapsed, logsBySpan: inlineLogs ? logsBySpan : undefined }),
    [model, collapsed, inlineLogs, logsBySpan],
  );

  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(600);
  const frame = useRef(0);
  const onScroll = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (scroller.current) setScrollTop(scroller.current.scrollTop);
    });
  }, []);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    setViewportHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setViewportHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Layout effect: runs right after the first commit, so trace:drawn is the very next painted frame.
  useLayoutEffect(() => onRendered?.(), [onRendered]);

  // Scroll a span selected from outside (URL, logs panel) into view.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || selected < 0 || revealTick === 0) return;
    const rowIndex = rows.findIndex((r) => r.kind === 'span' && r.spanIndex === selected);
    if (rowIndex < 0) return;
    const y = rowIndex * ROW_HEIGHT;
    if (y < el.scrollTop || y + ROW_HEIGHT > el.scrollTop + el.clientHeight) {
      el.scrollTop = Math.max(0, y - el.clientHeight / 3);
      setScrollTop(el.scrollTop);
    }
    // rows intentionally omitted: reveal once per request, not on every expand/collapse
  }, [revealTick]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN_ROWS);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewportHeight) / ROW_HEIGHT) + OVERSCAN_ROWS);
  const onSelect = useCallback((i: number) => selectSpan(store, i), [store]);
  const onToggle = useCallback((i: number) => toggleCollapsed(store, i), [store]);

  const onKeyDown = (e: TargetedKeyboardEvent<HTMLDivElement>): void => {
    const spanRows = rows.filter((r) => r.kind === 'span');
    const pos = spanRows.findIndex((r) => r.spanIndex === selected);
    const move = (to: number): void => {
      const target = spanRows[Math.max(0, Math.min(spanRows.length - 1, to))];
      if (target) revealSpan(store, model, target.spanIndex);
    };
    const cur = selected >= 0 ? model.spans[selected] : undefined;
    switch (e.key) {
      case 'ArrowDown':
        move(pos + 1);
        break;
      case 'ArrowUp':
        move(pos < 0 ? 0 : pos - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(spanRows.length - 1);
        break;
      case 'ArrowLeft':
        if (cur && cur.children.length > 0 && !collapsed.has(cur.index)) toggleCollapsed(store, cur.index, true);
        else if (cur && cur.parentIndex >= 0) revealSpan(store, model, cur.parentIndex);
        break;
      case 'ArrowRight':
        if (cur && collapsed.has(cur.index)) toggleCollapsed(store, cur.index, false);
        break;
      case 'Enter':
      case ' ':
        if (cur && cur.children.length > 0) toggleCollapsed(store, cur.index);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const items: JSX.Element[] = [];
  for (let r = first; r < last; r++) {
    const row = rows[r];
    const span = model.spans[row.spanIndex];
    if (row.kind === 'span') {
      items.push(
        <SpanRow
          key={`s${row.spanIndex}`}
          span={span}
          top={r * ROW_HEIGHT}
          selected={selected === row.spanIndex}
          collapsed={collapsed.has(row.spanIndex)}
          critical={critical.bySpan.get(row.spanIndex)}
          cache={row.spanIndex === diffusion.inferenceIndex ? diffusion.cache : undefined}
          nameColumnPct={nameColumnPct}
          traceStartUs={model.startUs}
          traceDurationUs={model.durationUs}
          logCount={inlineLogs ? 0 : (logsBySpan.get(row.spanIndex)?.length ?? 0)}
          warnings={ownWarnings(span, model)}
          onSelect={onSelect}
          onToggle={onToggle}
        />,
      );
    } else {
      items.push(
        <LogRow
          key={`l${row.log.id}-${r}`}
          log={row.log}
          depth={span.depth}
          top={r * ROW_HEIGHT}
          nameColumnPct={nameColumnPct}
          traceStartUs={model.startUs}
          traceDurationUs={model.durationUs}
          onSelect={() => onSelect(row.spanIndex)}
        />,
      );
    }
  }

  const selectedSpan = selected >= 0 ? model.spans[selected] : undefined;
  return (
    <div class="timeline">
      <div class="timeline-header">
        <div class="name-cell" style={{ width: `${nameColumnPct}%` }}>
          Service &amp; operation&nbsp;<span class="muted">({rows.length} rows)</span>
        </div>
        <div class="bar-cell">
          <TimeRuler durationUs={model.durationUs} />
        </div>
      </div>
      <div
        ref={scroller}
        class="timeline-body"
        role="tree"
        aria-label="span waterfall"
        tabIndex={0}
        aria-activedescendant={selectedSpan ? `span-row-${selectedSpan.spanID}` : undefined}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
      >
        <div class="timeline-canvas" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
          <div class="tick-layer" style={{ left: `${nameColumnPct}%` }}>
            <TickLines durationUs={model.durationUs} />
          </div>
          {items}
        </div>
      </div>
    </div>
  );
}
