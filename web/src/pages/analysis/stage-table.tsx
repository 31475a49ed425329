import type { JSX } from 'preact';
import { formatMs } from '../../model/format.js';
import type { StageStat } from '../../model/types.js';

export const STAGE_ORDER = ['queue_wait', 'model_load', 'text_encode', 'sampling', 'decode', 'storage', 'notify'];
const LABELS: Record<string, string> = {
  queue_wait: 'queue wait',
  model_load: 'model load',
  text_encode: 'text encode',
  sampling: 'sampling',
  decode: 'decode',
  storage: 'storage',
  notify: 'notify',
};

export function stageLabel(stage: string): string {
  return LABELS[stage] ?? stage.replace(/[._]/g, ' ');
}

export function orderStages(stages: StageStat[]): StageStat[] {
  const rank = (s: string): number => {
    const i = STAGE_ORDER.indexOf(s);
    return i < 0 ? STAGE_ORDER.length : i;
  };
  return [...stages].sort((a, b) => rank(a.stage) - rank(b.stage) || a.stage.localeCompare(b.stage));
}

/** p50 as a solid bar, p95 as a lighter extension, on one scale shared by the caller. */
export function StageTable({ stages, scaleMs, caption }: { stages: StageStat[]; scaleMs: number; caption: string }): JSX.Element {
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
        {orderStages(stages).map((s) => (
          <tr key={s.stage}>
            <th scope="row">{stageLabel(s.stage)}</th>
            <td class="num">{s.count}</td>
            <td class="num">{formatMs(s.p50_ms)}</td>
            <td class="num">{formatMs(s.p95_ms)}</td>
            <td class="bar-col">
              <span class="stage-track">
                <span class="stage-p95" style={{ width: `${scaleMs > 0 ? ((s.p95_ms ?? 0) / scaleMs) * 100 : 0}%` }} />
                <span class="stage-p50" style={{ width: `${scaleMs > 0 ? ((s.p50_ms ?? 0) / scaleMs) * 100 : 0}%` }} />
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
