import type { JSX } from 'preact';
import { formatMs } from '../../model/format.js';
import { STAGE_LABELS, isSummaryStage } from '../../model/stage-labels.js';
import type { StageStats } from '../../model/types.js';

// Stage names and their order are the contract's (src/contract/stages.ts): the API answers
// every stage in STAGES order, so the table keeps the order it receives.

/** p50 as a solid bar, p95 as a lighter extension, on one scale shared by the caller. */
export function StageTable({ stages, scaleMs, caption }: { stages: StageStats[]; scaleMs: number; caption: string }): JSX.Element {
  return (
    <table class="stage-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Stage</th>
          <th scope="col">n</th>
          <th scope="col">p50</th>
          <th scope="col">p95</th>
          <th scope="col" class="bar-col">
            <span class="legend-p50" /> p50 <span class="legend-p95" /> p95
          </th>
        </tr>
      </thead>
      <tbody>
        {stages.map((s) => (
          <tr key={s.stage} class={`${s.count === 0 ? 'empty-stage' : ''}${isSummaryStage(s.stage) ? ' summary-stage' : ''}`}>
            <th scope="row">{STAGE_LABELS[s.stage]}</th>
            <td class="num">{s.count}</td>
            <td class="num">{s.count > 0 ? formatMs(s.p50_ms) : '–'}</td>
            <td class="num">{s.count > 0 ? formatMs(s.p95_ms) : '–'}</td>
            <td class="bar-col">
              <span class="stage-track">
                <span class="stage-p95" style={{ width: `${scaleMs > 0 ? (s.p95_ms / scaleMs) * 100 : 0}%` }} />
                <span class="stage-p50" style={{ width: `${scaleMs > 0 ? (s.p50_ms / scaleMs) * 100 : 0}%` }} />
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
