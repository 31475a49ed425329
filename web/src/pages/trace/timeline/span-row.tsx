import type { JSX } from 'preact';
import { CacheBadge } from '../../../components/badges.js';
import { serviceColor } from '../../../components/colors.js';
import type { CriticalSection } from '../../../model/critical-path.js';
import type { CacheState } from '../../../model/diffusion.js';
import { isQueueWait } from '../../../model/diffusion.js';
import { numberTag, tagValue } from '../../../model/tags.js';
import type { SpanNode } from '../../../model/types.js';
import { INDENT_PX, MAX_INDENT_LEVELS, ROW_HEIGHT } from './geometry.js';
import { SpanBar } from './span-bar.js';

export interface SpanRowProps {
  span: SpanNode;
  top: number;
  selected: boolean;
  collapsed: boolean;
  critical: CriticalSection[] | undefined;
  cache: CacheState | undefined;
  nameColumnPct: number;
  traceStartUs: number;
  traceDurationUs: number;
  logCount: number;
  /** The span's own warnings (src/model/warnings.ts): what the explorer cut or dropped in it; marked when any. */
  warnings: string[];
  onSelect: (index: number) => void;
  /** Without it the row is always expanded and has no toggle (the compare page's compact waterfalls). */
  onToggle?: (index: number) => void;
}

export function SpanRow(p: SpanRowProps): JSX.Element {
  const { span } = p;
  const levels = Math.min(span.depth, MAX_INDENT_LEVELS);
  const hasChildren = span.children.length > 0;
  const { onToggle } = p;
  const attempt = numberTag(tagValue(span.tags, 'messaging.delivery.attempt'));
  const cls = `row span-row${p.selected ? ' selected' : ''}${p.critical ? ' on-critical' : ''}${span.isError ? ' is-error' : ''}`;
  return (
    <div
      class={cls}
      id={`span-row-${span.spanID}`}
      role="treeitem"
      aria-level={span.depth + 1}
      aria-selected={p.selected}
      aria-expanded={hasChildren ? !p.collapsed : undefined}
      data-span-id={span.spanID}
      data-op={span.operationName}
      style={{ transform: `translateY(${p.top}px)`, height: `${ROW_HEIGHT}px` }}
      onClick={() => p.onSelect(span.index)}
    >
      <div class="name-cell" style={{ width: `${p.nameColumnPct}%` }} title={span.depth > levels ? `depth ${span.depth}` : undefined}>
        <span class="indent" style={{ width: `${levels * INDENT_PX}px` }} />
        {span.depth > levels && <span class="depth-mark">{span.depth}</span>}
        {hasChildren && onToggle ? (
          <button
            type="button"
            class="toggle"
            tabIndex={-1}
            aria-label={p.collapsed ? `expand ${span.operationName}` : `collapse ${span.operationName}`}
            onClick={(e) => {
              e.stopPropagation();
              onToggle(span.index);
            }}
          >
            {p.collapsed ? '▸' : '▾'}
            {p.collapsed && <span class="hidden-count">{span.descendantCount}</span>}
          </button>
        ) : (
          <span class="toggle-spacer" />
        )}
        <span class="svc-swatch" style={{ background: serviceColor(span.serviceName) }} />
        <span class="svc-name">{span.serviceName}</span>
        <span class="op-name">{span.operationName}</span>
        {isQueueWait(span) && <span class="badge badge-queue">queue</span>}
        {p.cache && <CacheBadge cache={p.cache} />}
        {attempt !== undefined && attempt > 1 && (
          <span class="badge badge-muted" title="messaging.delivery.attempt: this job was delivered again (retry or redelivery)">
            attempt {attempt}
          </span>
        )}
        {span.isError && <span class="badge badge-error">error</span>}
        {span.orphan && (
          <span class="badge badge-muted" title="parent span missing from this trace">
            orphan
          </span>
        )}
        {p.warnings.length > 0 && (
          <span
            class="badge badge-warn span-warning-mark"
            title={p.warnings.join('\n')}
            aria-label={`${p.warnings.length} ${p.warnings.length === 1 ? 'warning' : 'warnings'}: ${p.warnings.join('; ')}`}
          >
            ⚠{p.warnings.length > 1 ? ` ${p.warnings.length}` : ''}
          </span>
        )}
        {p.logCount > 0 && (
          <span class="log-count" title={`${p.logCount} log lines`}>
            {p.logCount}
          </span>
        )}
      </div>
      <div class="bar-cell">
        <SpanBar span={span} traceStartUs={p.traceStartUs} traceDurationUs={p.traceDurationUs} critical={p.critical} />
      </div>
    </div>
  );
}
