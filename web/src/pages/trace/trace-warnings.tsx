import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { spansWithWarnings } from '../../model/warnings.js';
import type { TraceModel } from '../../model/types.js';

/**
 * The banner above the waterfall when the explorer did not serve the trace whole: its trace
 * warnings (spans left out past the per-trace limit), and how many spans had values cut or
 * dropped, with a way to the first of them (each is marked in the waterfall).
 */
export function TraceWarnings({ model, onSelect }: { model: TraceModel; onSelect: (index: number) => void }): JSX.Element | null {
  const warned = useMemo(() => spansWithWarnings(model), [model]);
  if (model.warnings.length === 0 && warned.length === 0) return null;
  return (
    <section class="trace-warnings" role="status" aria-label="trace warnings">
      <strong class="trace-warnings-title">⚠ Not everything is shown</strong>
      <ul class="plain">
        {model.warnings.map((w, i) => (
          <li key={i} class="trace-warning">
            {w}
          </li>
        ))}
        {warned.length > 0 && (
          <li class="span-warnings-note">
            {warned.length === 1 ? '1 span has' : `${warned.length} spans have`} values cut or dropped (marked{' '}
            <span class="badge badge-warn">⚠</span> in the waterfall; the span's detail says what).{' '}
            <button type="button" class="linklike" onClick={() => onSelect(warned[0])}>
              Show the first
            </button>
          </li>
        )}
      </ul>
    </section>
  );
}
