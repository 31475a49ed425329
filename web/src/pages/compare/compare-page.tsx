import type { JSX } from 'preact';
import { fetchComparison, fetchTrace } from '../../api/client.js';
import { CacheBadge } from '../../components/badges.js';
import { useAsync } from '../../components/use-async.js';
import { formatMs, formatTimestampUs } from '../../model/format.js';
import { STAGE_LABELS } from '../../model/stage-labels.js';
import type { JaegerTrace, TraceComparison } from '../../model/types.js';
import { Link } from '../../router/link.js';
import { MAX_COMPARED_TRACES, MIN_COMPARED_TRACES } from '../../../../src/contract/index.js';
import { AlignedWaterfalls } from './aligned-waterfalls.js';
import { traceColor, traceLetter } from './compare-colors.js';
import { ParameterTable } from './parameter-table.js';
import { StageCompareTable } from './stage-compare-table.js';
import { StepOverlay } from './step-overlay.js';

/** Container for /compare/<a>...<b>[...]: the comparison from the API, then each trace for its waterfall. */
export function ComparePage({ traceIDs }: { traceIDs: string[] }): JSX.Element {
  const valid = traceIDs.length >= MIN_COMPARED_TRACES && traceIDs.length <= MAX_COMPARED_TRACES;
  const key = valid ? traceIDs.join(',') : undefined;
  const comparison = useAsync(key && `compare:${key}`, (signal) => fetchComparison(traceIDs, signal));
  const traces = useAsync(key && `compare-traces:${key}`, (signal) =>
    Promise.all(traceIDs.map((id) => fetchTrace(id, signal))).then((list) => list.filter((t): t is JaegerTrace => t !== undefined)),
  );
  if (!valid) {
    return (
      <p class="pad">
        Compare takes {MIN_COMPARED_TRACES} to {MAX_COMPARED_TRACES} trace ids joined by <code>...</code> (
        <code>/compare/&lt;a&gt;...&lt;b&gt;</code>); this address has {traceIDs.length}.{' '}
        <Link href="/search">Pick traces in the search</Link>
      </p>
    );
  }
  return (
    <div class="compare-page">
      <div class="results-head">
        <h1 class="page-title">Compare {traceIDs.length} requests</h1>
        <span class="muted small">A is the baseline; every Δ is against it</span>
      </div>
      {comparison.status === 'loading' && <p class="muted pad">Loading…</p>}
      {comparison.status === 'error' && <p class="error-text pad">Could not compare these traces: {comparison.error}</p>}
      {comparison.status === 'done' && <CompareBody c={comparison.value} />}
      {comparison.status === 'done' && (
        <section class="compare-section">
          <h2 class="section-title">Waterfalls, aligned at each start, on one time scale</h2>
          {traces.status === 'loading' && <p class="muted">Loading the traces…</p>}
          {traces.status === 'error' && <p class="error-text">Could not load the traces: {traces.error}</p>}
          {traces.status === 'done' && <AlignedWaterfalls traces={traces.value} />}
        </section>
      )}
    </div>
  );
}

function CompareBody({ c }: { c: TraceComparison }): JSX.Element {
  const top = c.grew_most;
  return (
    <>
      <ol class="compare-traces" aria-label="compared traces">
        {c.traces.map((t, i) => (
          <li key={t.trace_id} style={{ borderTopColor: traceColor(i) }} data-trace-id={t.trace_id}>
            <span class="trace-chip" style={{ background: traceColor(i) }}>
              {traceLetter(i)}
            </span>{' '}
            <Link href={`/trace/${encodeURIComponent(t.trace_id)}`} class="mono">
              {t.trace_id.slice(0, 12)}
            </Link>
            <CacheBadge cache={t.cache} />
            {t.error_count > 0 && <span class="badge badge-error">{t.error_count} errors</span>}
            <div class="compare-trace-facts">
              <strong>{formatMs(t.duration_ms)}</strong>{' '}
              <span class="muted">
                end to end · {t.root_service}: {t.root_operation}
              </span>
            </div>
            <div class="muted small">{formatTimestampUs(t.start_us)}</div>
          </li>
        ))}
      </ol>
      <p class="compare-summary" role="status">
        {top ? (
          <>
            Grew most: <strong>{STAGE_LABELS[top.stage]}</strong>, +{formatMs(top.delta_ms)} in {traceLetter(top.trace_index)}
          </>
        ) : (
          'No stage grew against A.'
        )}
      </p>
      <div class="compare-grid">
        <StageCompareTable comparison={c} />
        <ParameterTable parameters={c.parameters} traceCount={c.traces.length} />
      </div>
      <section class="compare-section">
        <h2 class="section-title">Step times, overlaid</h2>
        <StepOverlay traces={c.traces} />
      </section>
    </>
  );
}
