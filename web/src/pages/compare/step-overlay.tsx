import type { JSX } from 'preact';
import { formatMs } from '../../model/format.js';
import type { ComparedTrace } from '../../model/types.js';
import { traceColor, traceLetter } from './compare-colors.js';

// Drawing units of the viewBox; the SVG scales to the section's width.
const W = 860;
const H = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };
/** Above this many steps the per-step dots would merge into the line. */
const MAX_DOTS = 80;

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const pow = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * pow >= v) ?? 10) * pow;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Every trace's per-step durations (the sampling span's `diffusion.step_durations_ms`) as one line
 * on shared axes: step number across, ms per step up. A slow first step, a stall, or a sampler
 * whose steps cost more stand out against the other lines.
 */
export function StepOverlay({ traces }: { traces: ComparedTrace[] }): JSX.Element {
  const withSteps = traces.map((t, i) => ({ t, i })).filter(({ t }) => t.step_durations_ms.length > 0);
  if (withSteps.length === 0)
    return <p class="muted">No step timings: none of these traces has a sampling span with `diffusion.step_durations_ms`.</p>;
  const maxSteps = Math.max(...withSteps.map(({ t }) => t.step_durations_ms.length));
  const maxMs = niceMax(Math.max(...withSteps.flatMap(({ t }) => t.step_durations_ms)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (step: number): number => PAD.left + (maxSteps > 1 ? ((step - 1) / (maxSteps - 1)) * plotW : plotW / 2);
  const y = (ms: number): number => PAD.top + plotH - (ms / maxMs) * plotH;
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * maxMs);
  const xTicks = [
    ...new Set([1, Math.round(maxSteps / 4), Math.round(maxSteps / 2), Math.round((3 * maxSteps) / 4), maxSteps].filter((s) => s >= 1)),
  ];
  const label = withSteps
    .map(
      ({ t, i }) =>
        `${traceLetter(i)}: ${t.step_durations_ms.length} steps, median ${formatMs(median(t.step_durations_ms))}, max ${formatMs(Math.max(...t.step_durations_ms))}`,
    )
    .join('; ');
  return (
    <figure class="step-overlay">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`per-step durations — ${label}`}>
        {yTicks.map((v) => (
          <g key={`y${v}`} class="grid">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end">
              {v === 0 ? '0' : formatMs(v)}
            </text>
          </g>
        ))}
        {xTicks.map((s) => (
          <text key={`x${s}`} class="axis-label" x={x(s)} y={H - 8} text-anchor="middle">
            {s}
          </text>
        ))}
        <text class="axis-label" x={PAD.left - 6} y={H - 8} text-anchor="end">
          step
        </text>
        {withSteps.map(({ t, i }) => (
          <g key={t.trace_id} class="step-line" data-trace-index={i} style={{ color: traceColor(i) }}>
            <polyline points={t.step_durations_ms.map((d, k) => `${x(k + 1).toFixed(1)},${y(d).toFixed(1)}`).join(' ')} />
            {t.step_durations_ms.length <= MAX_DOTS &&
              t.step_durations_ms.map((d, k) => (
                <circle key={k} cx={x(k + 1)} cy={y(d)} r={2.5}>
                  <title>{`${traceLetter(i)} step ${k + 1}: ${d.toFixed(2)} ms`}</title>
                </circle>
              ))}
          </g>
        ))}
      </svg>
      <figcaption class="step-legend">
        {withSteps.map(({ t, i }) => (
          <span key={t.trace_id} data-trace-index={i}>
            <span class="trace-chip" style={{ background: traceColor(i) }}>
              {traceLetter(i)}
            </span>{' '}
            <strong>{t.step_durations_ms.length}</strong> steps ·{' '}
            {t.steps_per_second !== null ? `${t.steps_per_second.toFixed(1)} steps/s` : '– steps/s'} · median{' '}
            {formatMs(median(t.step_durations_ms))} · max {formatMs(Math.max(...t.step_durations_ms))}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
