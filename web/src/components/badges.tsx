import type { JSX } from 'preact';
import type { CacheState } from '../model/diffusion.js';

export function ErrorBadge({ count }: { count?: number }): JSX.Element {
  return (
    <span class="badge badge-error" title="span(s) with error status">
      {count && count > 1 ? `${count} errors` : 'error'}
    </span>
  );
}

export function CacheBadge({ cache }: { cache: CacheState }): JSX.Element | null {
  if (cache === 'unknown') return null;
  return (
    <span
      class={`badge badge-${cache}`}
      title={cache === 'cold' ? 'model.load ran in this request (cache miss)' : 'model served from cache'}
    >
      {cache}
    </span>
  );
}

export function LevelBadge({ level }: { level: string }): JSX.Element {
  const l = level.toLowerCase();
  return <span class={`level level-${l}`}>{level.toUpperCase()}</span>;
}
