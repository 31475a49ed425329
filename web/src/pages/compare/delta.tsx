import type { JSX } from 'preact';
import { formatMs } from '../../model/format.js';

/** "+863ms (+135%)": growth in the error colour, shrinkage in the ok colour, no change muted. */
export function Delta({ deltaMs, baseMs }: { deltaMs: number | null; baseMs: number | null }): JSX.Element {
  if (deltaMs === null) return <span class="delta muted">–</span>;
  if (deltaMs === 0) return <span class="delta delta-none muted">±0</span>;
  const pct = baseMs !== null && baseMs > 0 ? ` (${deltaMs > 0 ? '+' : ''}${Math.round((deltaMs / baseMs) * 100)}%)` : '';
  return (
    <span class={`delta ${deltaMs > 0 ? 'delta-up' : 'delta-down'}`}>
      {deltaMs > 0 ? '+' : '−'}
      {formatMs(Math.abs(deltaMs))}
      {pct}
    </span>
  );
}
