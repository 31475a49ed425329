import type { JSX } from 'preact';
import { formatMs } from '../../model/format.js';
import { STAGE_LABELS, isSummaryStage } from '../../model/stage-labels.js';
import type { StageComparison, TraceComparison } from '../../model/types.js';
import { traceColor, traceLetter } from './compare-colors.js';
import { Delta } from './delta.js';

function scaleOf(stages: StageComparison[]): number {
  let max = 0;
  for (const s of stages) for (const d of s.durations_ms) if (d !== null && d > max) max = d;
  return max;
}

/**
 * Per stage (the contract's list and order, as the API answers it): each trace's duration, its
 * delta against A, and one bar per trace on a scale shared by every row. The stage that grew
 * most is highlighted; so is, in each trace's column, the stage that grew most for that trace.
 */
export function StageCompareTable({ comparison }: { comparison: TraceComparison }): JSX.Element {
  const { traces, stages, grew_most } = comparison;
  const scale = scaleOf(stages);
  return (
    <table class="compare-table stage-compare-table">
      <caption>Stage by stage (Δ against A)</caption>
      <thead>
        <tr>
          <th scope="col">Stage</th>
          {traces.map((t, i) => (
            <th key={t.trace_id} scope="col" class="num" colSpan={i === 0 ? 1 : 2}>
              <span class="trace-chip" style={{ background: traceColor(i) }}>
                {traceLetter(i)}
              </span>
              {i === 0 ? ' baseline' : ' · Δ'}
            </th>
          ))}
          <th scope="col" class="bar-col">
            Duration
          </th>
        </tr>
      </thead>
      <tbody>
        {stages.map((s) => {
          const top = grew_most?.stage === s.stage;
          const absent = s.durations_ms.every((d) => d === null);
          const cls = [top ? 'grew-most' : '', isSummaryStage(s.stage) ? 'summary-stage' : '', absent ? 'empty-stage' : '']
            .filter(Boolean)
            .join(' ');
          return (
            <tr key={s.stage} class={cls} data-stage={s.stage}>
              <th scope="row">
                {STAGE_LABELS[s.stage]}
                {top && <span class="badge badge-grew">grew most</span>}
              </th>
              {traces.map((t, i) => (
                <StageCells key={t.trace_id} stage={s} index={i} grewHere={i > 0 && t.grew_most === s.stage} />
              ))}
              <td class="bar-col">
                {s.durations_ms.map((d, i) => (
                  <span key={i} class="compare-track" title={`${traceLetter(i)}: ${formatMs(d)}`}>
                    <span
                      class="compare-bar"
                      style={{ width: `${d !== null && scale > 0 ? Math.max(0.5, (d / scale) * 100) : 0}%`, background: traceColor(i) }}
                    />
                  </span>
                ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function StageCells({ stage, index, grewHere }: { stage: StageComparison; index: number; grewHere: boolean }): JSX.Element {
  const d = stage.durations_ms[index];
  const duration = (
    <td class={`num duration${grewHere ? ' grew-here' : ''}`} data-trace-index={index}>
      {d === null ? '–' : formatMs(d)}
    </td>
  );
  if (index === 0) return duration;
  return (
    <>
      {duration}
      <td class={`num delta-cell${grewHere ? ' grew-here' : ''}`} data-trace-index={index}>
        <Delta deltaMs={stage.deltas_ms[index]} baseMs={stage.durations_ms[0]} />
      </td>
    </>
  );
}
