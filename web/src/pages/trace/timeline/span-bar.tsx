import type { JSX } from 'preact';
import type { CriticalSection } from '../../../model/critical-path.js';
import { isQueueWait, stepStrip } from '../../../model/diffusion.js';
import { formatDuration } from '../../../model/format.js';
import type { SpanNode } from '../../../model/types.js';
import { serviceColor } from '../../../components/colors.js';
import { pct } from './geometry.js';

const MAX_STEP_SEGMENTS = 200;

interface SpanBarProps {
  span: SpanNode;
  traceStartUs: number;
  traceDurationUs: number;
  critical: CriticalSection[] | undefined;
}

export function SpanBar({ span, traceStartUs, traceDurationUs, critical }: SpanBarProps): JSX.Element {
  const left = pct(span.startUs - traceStartUs, traceDurationUs);
  const width = pct(span.durationUs, traceDurationUs);
  const queue = isQueueWait(span);
  const steps = span.operationName === 'sampling' ? stepStrip(span) : undefined;
  const labelRight = left + width < 75;
  const label = `${formatDuration(span.durationUs)}${queue ? ' queue' : ''}`;
  return (
    <>
      <div
        class={`bar${queue ? ' bar-queue' : ''}${span.isError ? ' bar-error' : ''}`}
        style={{ left: `${left}%`, width: `max(${width}%, 2px)`, '--svc': serviceColor(span.serviceName) }}
      >
        {steps && steps.durationsMs.length <= MAX_STEP_SEGMENTS && (
          <span class="bar-steps" aria-hidden="true">
            {steps.durationsMs.map((d, i) => (
              <span key={i} style={{ flexGrow: d }} />
            ))}
          </span>
        )}
        {critical?.map((c) => (
          <span
            key={c.startUs}
            class="bar-critical"
            style={{
              left: `${span.durationUs > 0 ? ((c.startUs - span.startUs) / span.durationUs) * 100 : 0}%`,
              width: `${span.durationUs > 0 ? ((c.endUs - c.startUs) / span.durationUs) * 100 : 100}%`,
            }}
          />
        ))}
      </div>
      <span
        class={`bar-label${labelRight ? '' : ' bar-label-left'}`}
        style={labelRight ? { left: `calc(${left + width}% + 4px)` } : { right: `calc(${100 - left}% + 4px)` }}
      >
        {label}
      </span>
    </>
  );
}
