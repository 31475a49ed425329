import type { JSX } from 'preact';
import { formatMs } from '../../model/format.js';
import type { StageStat } from '../../model/types.js';

// The explorer names stages after their spans; older/other backends may send snake_case names.
export const STAGE_ORDER = ['queue.wait', 'model.load', 'text.encode', 'sampling', 'vae.decode', 'storage.put', 'notify.webhook', 'inference', 'total'];
const ALIASES: Record<string, string> = {
  queue_wait: 'queue.wait',
  model_load: 'model.load',
  text_encode: 'text.encode',
  decode: 'vae.decode',
  storage: 'storage.put',
  notify: 'notify.webhook',
};
const LABELS: Record<string, string> = {
  'queue.wait': 'queue wait',
  'model.load': 'model load',
  'text.encode': 'text encode',
  sampling: 'sampling',
  'vae.decode': 'decode',
  'storage.put': 'storage',
  'notify.webhook': 'notify',
  inference: 'inference (all)',
  total: 'end to end',
};

export function stageLabel(stage: string): string {
  return LABELS[ALIASES[stage] ?? stage] ?? stage.replace(/[._]/g, ' ');
}

export function orderStages(stages: StageStat[]): StageStat[] {
  const rank = (s: string): number => {
    const i = STAGE_ORDER.indexOf(ALIASES[s] ?? s);
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
          <tr key={s.stage} class={`${s.count === 0 ? 'empty-stage' : ''}${s.stage === 'total' || s.stage === 'inference' ? ' summary-stage' : ''}`}>
            <th scope="row">{stageLabel(s.stage)}</th>
            <td class="num">{s.count}</td>
            <td class="num">{s.count > 0 ? formatMs(s.p50_ms) : '–'}</td>
            <td class="num">{s.count > 0 ? formatMs(s.p95_ms) : '–'}</td>
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
