import type { JSX } from 'preact';
import { fetchSampling } from '../../api/index.js';
import { useAsync } from '../../components/use-async.js';
import { summarizeSampling } from '../../model/sampling-summary.js';

const formatBytes = (b: number): string => (b < 1024 * 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1048576).toFixed(1)} MiB`);

/** Tail sampling at a glance, under the search form: what was kept and dropped, by policy, and what waits. Reloaded with each search. */
export function SamplingPanel({ refreshKey }: { refreshKey: string }): JSX.Element | null {
  const result = useAsync(`sampling?${refreshKey}`, (signal) => fetchSampling(signal));
  if (result.status !== 'done') return null;
  const s = summarizeSampling(result.value);
  return (
    <section class="sampling-panel" aria-label="Tail sampling">
      <h2 class="panel-title">Tail sampling</h2>
      {!s.enabled && (
        <p class="muted">
          Off: every trace is stored (DIFFSCOPE_TAIL_SAMPLING=on to keep only errors, slow and retried traces and a share of the rest).
        </p>
      )}
      {s.enabled && (
        <>
          <p class="muted">
            {s.kept} traces kept, {s.dropped} dropped since start; {s.held.traces} waiting for a decision ({s.held.spans} spans,{' '}
            {s.held.logs} logs, ~{formatBytes(s.held.bytes)})
          </p>
          {s.rows.length > 0 && (
            <table class="stage-table">
              <thead>
                <tr>
                  <th scope="col">Traces</th>
                  <th scope="col">why</th>
                  <th scope="col" class="num">
                    n
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.rows.map((r) => (
                  <tr key={`${r.decision}:${r.policy}`}>
                    <th scope="row" class={r.decision === 'dropped' ? 'muted' : undefined}>
                      {r.decision}
                    </th>
                    <td title={r.policy}>{r.label}</td>
                    <td class="num">{r.traces}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {s.lateSpans.kept + s.lateSpans.dropped > 0 && (
            <p class="muted">
              late spans: {s.lateSpans.kept} kept, {s.lateSpans.dropped} dropped with their trace
            </p>
          )}
        </>
      )}
    </section>
  );
}
