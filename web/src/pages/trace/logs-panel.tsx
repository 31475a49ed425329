import type { JSX } from 'preact';
import { LevelBadge } from '../../components/badges.js';
import { serviceColor } from '../../components/colors.js';
import { formatDuration } from '../../model/format.js';
import { useStore } from '../../stores/store.js';
import { Link } from '../../router/link.js';
import { queryString } from '../../router/router.js';
import type { TimelineStore } from './store.timeline.js';
import { revealSpan } from './store.timeline.js';
import type { TraceData } from './use-trace-loading.js';

const MAX_PANEL_LINES = 2000;

/** The trace's logs in time order; picking a line selects (and reveals) its span in the waterfall. */
export function LogsPanel({ data, store }: { data: TraceData; store: TimelineStore }): JSX.Element {
  const { model, logs, logsError } = data;
  const selected = useStore(store, (s) => s.selected);
  const shown = logs.length > MAX_PANEL_LINES ? logs.slice(0, MAX_PANEL_LINES) : logs;
  return (
    <section class="logs-panel" aria-label="trace logs">
      <h2 class="panel-title">
        Logs <span class="muted">{logs.length} lines</span>
        <Link class="small panel-link" href={`/logs${queryString({ trace_id: model.traceID, lookback: 'all' })}`}>
          open in log search
        </Link>
        {logsError && <span class="badge badge-error">logs unavailable: {logsError}</span>}
      </h2>
      {logs.length === 0 && !logsError && <p class="muted small pad">No log lines carry this trace id.</p>}
      <ol class="log-lines">
        {shown.map((l) => {
          const idx = l.span_id ? model.byId.get(l.span_id) : undefined;
          const span = idx !== undefined ? model.spans[idx] : undefined;
          return (
            <li key={l.id}>
              <button
                type="button"
                class={`log-line${idx !== undefined && idx === selected ? ' selected' : ''}`}
                data-log-id={String(l.id)}
                onClick={() => idx !== undefined && revealSpan(store, model, idx)}
                disabled={idx === undefined}
                title={idx === undefined ? 'span not in this trace' : `select ${span?.operationName ?? l.span_id ?? 'span'}`}
              >
                <span class="mono small muted">+{formatDuration(l.time_us - model.startUs)}</span>
                <LevelBadge level={l.level} />
                <span class="svc-swatch" style={{ background: serviceColor(l.service) }} />
                <span class="log-svc">{l.service}</span>
                <strong class="log-event">{l.event}</strong>
                <span class="log-text">{l.body && l.body !== l.event ? l.body : ''}</span>
                <span class="log-span muted">{span ? span.operationName : ''}</span>
              </button>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
