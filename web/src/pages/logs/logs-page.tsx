import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { searchLogs } from '../../api/client.js';
import { useAsync } from '../../components/use-async.js';
import { navigate, queryString } from '../../router/router.js';
import type { Location } from '../../router/router.js';
import { LogFilters } from './log-filters.js';
import { logParamsToQuery, readLogParams, toLogQuery } from './log-params.js';
import { LogTable } from './log-table.js';

export function LogsPage({ location }: { location: Location }): JSX.Element {
  const key = location.query.toString();
  const params = useMemo(() => readLogParams(location.query), [key]);
  const result = useAsync(`logs?${key}`, (signal) => searchLogs(toLogQuery(params), signal));
  return (
    <div class="logs-page">
      <LogFilters initial={params} onSubmit={(p) => navigate(`/logs${queryString(logParamsToQuery(p))}`)} />
      <div class="results-head">
        {result.status === 'loading' && <span class="muted">Searching…</span>}
        {result.status === 'error' && <span class="error-text">Log search failed: {result.error}</span>}
        {result.status === 'done' && (
          <strong>
            {result.value.data.length} of {result.value.total} lines
          </strong>
        )}
        <span class="muted small">Click a line to open its trace with its span selected.</span>
      </div>
      {result.status === 'done' && <LogTable logs={result.value.data} />}
    </div>
  );
}
