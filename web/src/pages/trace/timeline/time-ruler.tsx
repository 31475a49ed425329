import type { JSX } from 'preact';
import { formatDuration, timeTicks } from '../../../model/format.js';
import { pct } from './geometry.js';

export function TimeRuler({ durationUs }: { durationUs: number }): JSX.Element {
  const ticks = timeTicks(durationUs, 6);
  return (
    <div class="ruler" aria-hidden="true">
      {ticks.map((t) => (
        <span key={t} class="ruler-tick" style={{ left: `${pct(t, durationUs)}%` }}>
          {formatDuration(t)}
        </span>
      ))}
    </div>
  );
}

/** Vertical grid lines behind the bars: one element per tick for the whole list, not per row. */
export function TickLines({ durationUs }: { durationUs: number }): JSX.Element {
  const ticks = timeTicks(durationUs, 6);
  return (
    <div class="tick-lines" aria-hidden="true">
      {ticks.map((t) => (
        <span key={t} style={{ left: `${pct(t, durationUs)}%` }} />
      ))}
    </div>
  );
}
