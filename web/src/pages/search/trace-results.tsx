import type { JSX } from 'preact';
import { serviceColor } from '../../components/colors.js';
import { formatDuration, formatTimestampUs } from '../../model/format.js';
import type { TraceSummary } from '../../model/trace-summary.js';
import { Link } from '../../router/link.js';

/** Traces picked for comparison, in the order they were picked (the first is the baseline). */
export interface TraceSelection {
  selected: readonly string[];
  /** No more can be picked (the compare view takes at most four). */
  full: boolean;
  toggle: (traceID: string) => void;
}

export function TraceResults({ traces, selection }: { traces: TraceSummary[]; selection?: TraceSelection }): JSX.Element {
  const max = traces.reduce((m, t) => Math.max(m, t.durationUs), 0);
  return (
    <ol class="trace-results" aria-label="traces">
      {traces.map((t) => {
        const picked = selection?.selected.indexOf(t.traceID) ?? -1;
        return (
          <li key={t.traceID} class={`${t.errorCount > 0 ? 'has-error' : ''}${selection ? ' selectable' : ''}`}>
            {selection && (
              <label class="trace-select" title={picked >= 0 ? `picked as ${String.fromCharCode(65 + picked)}` : 'pick to compare'}>
                <input
                  type="checkbox"
                  data-pick-id={t.traceID}
                  aria-label={`compare trace ${t.traceID.slice(0, 12)}`}
                  checked={picked >= 0}
                  disabled={picked < 0 && selection.full}
                  onChange={() => selection.toggle(t.traceID)}
                />
              </label>
            )}
            <Link href={`/trace/${encodeURIComponent(t.traceID)}`} class="trace-result" data-trace-id={t.traceID}>
              <div class="trace-result-top">
                <span class="trace-result-name">
                  <span class="svc-swatch" style={{ background: serviceColor(t.rootService) }} />
                  <strong>{t.rootService}:</strong> {t.rootOperation}
                </span>
                {t.errorCount > 0 && <span class="badge badge-error">{t.errorCount === 1 ? '1 error' : `${t.errorCount} errors`}</span>}
                <span class="mono muted small">{t.traceID.slice(0, 12)}</span>
                <span class="trace-result-dur">{formatDuration(t.durationUs)}</span>
              </div>
              <div class="duration-track" aria-hidden="true">
                <span class="duration-bar" style={{ width: `${max > 0 ? Math.max(0.5, (t.durationUs / max) * 100) : 0}%` }} />
              </div>
              <div class="trace-result-bottom">
                <span>{t.spanCount} spans</span>
                <span class="chips">
                  {t.services.map((s) => (
                    <span key={s.name} class={`chip${s.errors > 0 ? ' chip-error' : ''}`}>
                      <span class="svc-swatch" style={{ background: serviceColor(s.name) }} />
                      {s.name} ({s.count})
                    </span>
                  ))}
                </span>
                <span class="muted small">{formatTimestampUs(t.startUs)}</span>
              </div>
            </Link>
          </li>
        );
      })}
    </ol>
  );
}
