import type { JSX } from 'preact';
import { fetchStages } from '../../api/client.js';
import { useAsync } from '../../components/use-async.js';
import type { StageAnalysis, StageStats } from '../../model/types.js';
import { Link } from '../../router/link.js';
import { compareHref, navigate, queryString } from '../../router/router.js';
import type { Location } from '../../router/router.js';
import { StageTable } from './stage-table.js';

const LIMITS = [20, 100, 500, 1000];

function maxP95(...lists: StageStats[][]): number {
  let m = 0;
  for (const l of lists) for (const s of l) m = Math.max(m, s.p95_ms, s.p50_ms);
  return m;
}

export function AnalysisPage({ location }: { location: Location }): JSX.Element {
  const limit = Number(location.query.get('limit')) > 0 ? Number(location.query.get('limit')) : 100;
  const result = useAsync(`stages?${limit}`, (signal) => fetchStages(limit, signal));
  return (
    <div class="analysis-page">
      <div class="results-head">
        <h1 class="page-title">Where the time goes</h1>
        <label class="inline-label">
          Last
          <select value={limit} onChange={(e) => navigate(`/analysis${queryString({ limit: e.currentTarget.value })}`)}>
            {LIMITS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          requests
        </label>
      </div>
      {result.status === 'loading' && <p class="muted pad">Loading…</p>}
      {result.status === 'error' && <p class="error-text pad">Could not load the analysis: {result.error}</p>}
      {result.status === 'done' && <AnalysisBody a={result.value} />}
    </div>
  );
}

function AnalysisBody({ a }: { a: StageAnalysis }): JSX.Element {
  if (a.requests === 0) return <p class="muted pad">No generation requests in the store yet.</p>;
  const scale = maxP95(a.stages, a.cold.stages, a.warm.stages);
  const groupScale = maxP95(...a.groups.map((g) => g.stages));
  return (
    <>
      <div class="stage-grid">
        <StageTable caption={`All ${a.requests} requests`} stages={a.stages} scaleMs={scale} />
        <StageTable caption={`Cold (model loaded): ${a.cold.requests} requests`} stages={a.cold.stages} scaleMs={scale} />
        <StageTable caption={`Warm (cache hit): ${a.warm.requests} requests`} stages={a.warm.stages} scaleMs={scale} />
      </div>
      <h2 class="section-title">By model, sampler, steps and size</h2>
      <div class="stage-grid">
        {a.groups.map((g) => (
          <div key={JSON.stringify(g.key)} class="stage-group">
            <StageTable
              caption={`${g.key.model ?? '?'} · ${g.key.sampler ?? '?'} · ${g.key.steps ?? '?'} steps · ${g.key.size ?? '?'} — ${g.requests} requests`}
              stages={g.stages}
              scaleMs={groupScale}
            />
            {g.slowest_trace_id && g.median_trace_id && g.slowest_trace_id !== g.median_trace_id && (
              // the median is the baseline, so the table shows what the slowest spent more on
              <Link href={compareHref([g.median_trace_id, g.slowest_trace_id])} class="compare-group-link">
                Compare slowest vs median
              </Link>
            )}
          </div>
        ))}
      </div>
    </>
  );
}
