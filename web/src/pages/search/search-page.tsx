import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { MAX_COMPARED_TRACES, MIN_COMPARED_TRACES } from '../../../../src/contract/index.js';
import { useAsync } from '../../components/use-async.js';
import { compareHref, navigate, queryString } from '../../router/router.js';
import type { Location } from '../../router/router.js';
import { runSearch } from './run-search.js';
import { SearchForm } from './search-form.js';
import { readSearchParams, searchParamsToQuery } from './search-params.js';
import type { SearchParams } from './search-params.js';
import { TraceResults } from './trace-results.js';
import { SamplingPanel } from './sampling-panel.js';
import type { TraceSelection } from './trace-results.js';

export function SearchPage({ location }: { location: Location }): JSX.Element {
  const key = location.query.toString();
  const params = useMemo(() => readSearchParams(location.query), [key]);
  const go = (p: SearchParams): void => navigate(`/search${queryString(searchParamsToQuery(p))}`);
  // A bare /search shows the latest traces straight away; the form only narrows them.
  const result = useAsync(`search?${key}`, (signal) => runSearch(params, signal));
  const errors = result.status === 'done' ? result.value.filter((t) => t.errorCount > 0).length : 0;
  // Kept across searches, so traces found by two different searches can be compared.
  const [picked, setPicked] = useState<string[]>([]);
  const selection: TraceSelection = {
    selected: picked,
    full: picked.length >= MAX_COMPARED_TRACES,
    toggle: (id) =>
      setPicked((prev) => (prev.includes(id) ? prev.filter((p) => p !== id) : prev.length < MAX_COMPARED_TRACES ? [...prev, id] : prev)),
  };
  return (
    <div class="with-sidebar">
      <aside class="sidebar">
        <h2 class="panel-title">Search traces</h2>
        <SearchForm initial={params} onSubmit={go} />
        <SamplingPanel refreshKey={key} />
      </aside>
      <section class="results" aria-live="polite">
        <div class="results-head">
          {result.status === 'loading' && <span class="muted">Searching…</span>}
          {result.status === 'error' && <span class="error-text">Search failed: {result.error}</span>}
          {result.status === 'done' && (
            <>
              <strong>{result.value.length} traces</strong>
              {errors > 0 && (
                <button
                  type="button"
                  class="linklike error-text"
                  onClick={() => go({ ...params, errorsOnly: true })}
                  disabled={params.errorsOnly}
                >
                  {errors} with errors{params.errorsOnly ? '' : ' — show only these'}
                </button>
              )}
              <span class="compare-pick">
                <button
                  type="button"
                  class="compare-button"
                  disabled={picked.length < MIN_COMPARED_TRACES}
                  title={
                    picked.length < MIN_COMPARED_TRACES
                      ? `tick ${MIN_COMPARED_TRACES} to ${MAX_COMPARED_TRACES} traces to compare them`
                      : 'the first ticked is the baseline'
                  }
                  onClick={() => navigate(compareHref(picked))}
                >
                  Compare{picked.length > 0 ? ` (${picked.length})` : ''}
                </button>
                {picked.length > 0 && (
                  <button type="button" class="linklike" onClick={() => setPicked([])}>
                    clear
                  </button>
                )}
              </span>
              <label class="sort">
                Sort
                <select value={params.sort} onChange={(e) => go({ ...params, sort: e.currentTarget.value as SearchParams['sort'] })}>
                  <option value="recent">Most recent</option>
                  <option value="longest">Longest first</option>
                  <option value="errors">Most errors</option>
                </select>
              </label>
            </>
          )}
        </div>
        {result.status === 'done' && result.value.length === 0 && (
          <p class="muted pad">No traces match. Widen the lookback or clear filters.</p>
        )}
        {result.status === 'done' && <TraceResults traces={result.value} selection={selection} />}
      </section>
    </div>
  );
}
