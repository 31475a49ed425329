import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { computeCriticalPath } from '../../model/critical-path.js';
import { summarizeDiffusion } from '../../model/diffusion.js';
import { formatDuration } from '../../model/format.js';
import { transformTrace } from '../../model/transform-trace.js';
import type { JaegerTrace, TraceModel } from '../../model/types.js';
import { ownWarnings } from '../../model/warnings.js';
import { Link } from '../../router/link.js';
import { navigate, queryString } from '../../router/router.js';
import { ROW_HEIGHT } from '../trace/timeline/geometry.js';
import { SpanRow } from '../trace/timeline/span-row.js';
import { TickLines, TimeRuler } from '../trace/timeline/time-ruler.js';
import { traceColor, traceLetter } from './compare-colors.js';

/** A compact waterfall shows every span up to this many; beyond, the trace page is one click away. */
const MAX_COMPACT_ROWS = 40;
const NAME_COLUMN_PCT = 30;

/**
 * The traces' waterfalls one above the other, each from its own start and all on one time scale
 * (the longest trace's), so the same stage sits at comparable positions and widths. The rows are
 * the trace page's own (SpanRow), all expanded; a click opens the span on the trace page.
 */
export function AlignedWaterfalls({ traces }: { traces: JaegerTrace[] }): JSX.Element {
  const models = useMemo(() => traces.map(transformTrace), [traces]);
  const scaleUs = Math.max(1, ...models.map((m) => m.durationUs));
  return (
    <div class="aligned-waterfalls">
      {models.map((m, i) => (
        <CompactWaterfall key={m.traceID} model={m} index={i} scaleUs={scaleUs} />
      ))}
    </div>
  );
}

function CompactWaterfall({ model, index, scaleUs }: { model: TraceModel; index: number; scaleUs: number }): JSX.Element {
  const critical = useMemo(() => computeCriticalPath(model), [model]);
  const diffusion = useMemo(() => summarizeDiffusion(model), [model]);
  const shown = model.preorder.slice(0, MAX_COMPACT_ROWS);
  const open = (spanIndex: number): void =>
    navigate(`/trace/${encodeURIComponent(model.traceID)}${queryString({ span: model.spans[spanIndex]?.spanID })}`);
  return (
    <section class="timeline compact-waterfall" data-trace-id={model.traceID} aria-label={`waterfall of trace ${traceLetter(index)}`}>
      <div class="timeline-header">
        <div class="name-cell" style={{ width: `${NAME_COLUMN_PCT}%` }}>
          <span class="trace-chip" style={{ background: traceColor(index) }}>
            {traceLetter(index)}
          </span>
          &nbsp;
          <Link href={`/trace/${encodeURIComponent(model.traceID)}`} class="mono">
            {model.traceID.slice(0, 12)}
          </Link>
          &nbsp;<span class="muted">{formatDuration(model.durationUs)}</span>
        </div>
        <div class="bar-cell">
          <TimeRuler durationUs={scaleUs} />
        </div>
      </div>
      <div
        class="timeline-canvas"
        role="tree"
        aria-label={`spans of trace ${traceLetter(index)}`}
        style={{ height: `${shown.length * ROW_HEIGHT}px` }}
      >
        <div class="tick-layer" style={{ left: `${NAME_COLUMN_PCT}%` }}>
          <TickLines durationUs={scaleUs} />
        </div>
        {shown.map((spanIndex, row) => (
          <SpanRow
            key={spanIndex}
            span={model.spans[spanIndex]}
            top={row * ROW_HEIGHT}
            selected={false}
            collapsed={false}
            critical={critical.bySpan.get(spanIndex)}
            cache={spanIndex === diffusion.inferenceIndex ? diffusion.cache : undefined}
            nameColumnPct={NAME_COLUMN_PCT}
            traceStartUs={model.startUs}
            traceDurationUs={scaleUs}
            logCount={0}
            warnings={ownWarnings(model.spans[spanIndex], model)}
            onSelect={open}
          />
        ))}
      </div>
      {model.preorder.length > shown.length && (
        <p class="muted small compact-more">
          {model.preorder.length - shown.length} more spans —{' '}
          <Link href={`/trace/${encodeURIComponent(model.traceID)}`}>open the trace</Link>
        </p>
      )}
    </section>
  );
}
