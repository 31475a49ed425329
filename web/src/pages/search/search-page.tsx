import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { useAsync } from '../../components/use-async.js';
import { navigate, queryString } from '../../router/router.js';
import type { Location } from '../../router/router.js';
import { runSearch } from './run-search.js';
import { SearchForm } from './search-form.js';
import { readSearchParams, searchParamsToQuery } from './search-params.js';
import type { SearchParams } from './search-params.js';
import { TraceResults } from './trace-results.js';

export function SearchPage({ location }: { location: Location }): JSX.Element {
  const key = location.query.toString();
  const params = useMemo(() => readSearchParams(location.query), [key]);
  const go = (p: SearchParams): void => navigate(`/search${queryString(searchParamsToQuery(p))}`);
  // A bare /search shows the latest traces straight away; the form only narrows them.
  const result = useAsync(`search?${key}`, (signal) => runSearch(params, signal));
  const errors = result.status === 'done' ? result.value.filter((t) => t.errorCount > 0).length : 0;
  return (
    <div class="with-sidebar">
      <aside class="sidebar">
        <h2 class="panel-title">Search traces</h2>
        <SearchForm initial={params} onSubmit={go} />
      </aside>
      <section class="results" aria-live="polite">
        <div class="results-head">
          {result.status === 'loading' && <span class="muted">Searching…</span>}
          {result.status === 'error' && <span class="error-text">Search failed: {result.error}</span>}
          {result.status === 'done' && (
            <>
              <strong>{result.value.length} traces</strong>
              {errors > 0 && (
                <button type="button" class="linklike error-text" onClick={() => go({ ...params, errorsOnly: true })} disabled={params.errorsOnly}>
                  {errors} with errors{params.errorsOnly ? '' : ' — show only these'}
                </button>
              )}
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
        {result.status === 'done' && result.value.length === 0 && <p class="muted pad">No traces match. Widen the lookback or clear filters.</p>}
        {result.status === 'done' && <TraceResults traces={result.value} />}
      </section>
    </div>
  );
}
