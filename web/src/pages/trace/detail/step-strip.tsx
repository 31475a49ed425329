import type { JSX } from 'preact';
import type { StepStrip as StepStripData } from '../../../model/diffusion.js';
import { formatMs } from '../../../model/format.js';

/** One bar per diffusion step, height by its duration: a slow first step or a stall stands out. */
export function StepStrip({ strip }: { strip: StepStripData }): JSX.Element {
  const { durationsMs, maxMs } = strip;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return (
    <div class="step-strip-box">
      <div class="step-strip-stats">
        <span>
          <strong>{durationsMs.length}</strong> steps
        </span>
        <span>
          <strong>{strip.stepsPerSecond !== undefined ? strip.stepsPerSecond.toFixed(1) : '–'}</strong> steps/s
        </span>
        <span>median {formatMs(median)}</span>
        <span>max {formatMs(maxMs)}</span>
      </div>
      <div class="step-strip" role="img" aria-label={`per-step durations: ${durationsMs.map((d) => d.toFixed(1)).join(', ')} ms`}>
        {durationsMs.map((d, i) => (
          <span
            key={i}
            class="step"
            style={{ height: `${maxMs > 0 ? Math.max(4, (d / maxMs) * 100) : 4}%` }}
            title={`step ${i + 1}: ${d.toFixed(2)} ms`}
          />
        ))}
      </div>
    </div>
  );
}
