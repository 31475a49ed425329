import type { JSX } from 'preact';
import { LevelBadge } from '../../../components/badges.js';
import type { LogEntry } from '../../../model/types.js';
import { INDENT_PX, MAX_INDENT_LEVELS, ROW_HEIGHT, pct } from './geometry.js';

interface LogRowProps {
  log: LogEntry;
  depth: number;
  top: number;
  nameColumnPct: number;
  traceStartUs: number;
  traceDurationUs: number;
  onSelect: () => void;
}

/** A log line drawn under its span: level and event on the left, a tick at its time on the right. */
export function LogRow(p: LogRowProps): JSX.Element {
  const x = pct(p.log.time_us - p.traceStartUs, p.traceDurationUs);
  const levels = Math.min(p.depth + 1, MAX_INDENT_LEVELS + 1);
  return (
    <div
      class={`row log-row level-row-${p.log.level.toLowerCase()}`}
      style={{ transform: `translateY(${p.top}px)`, height: `${ROW_HEIGHT}px` }}
      onClick={p.onSelect}
    >
      <div class="name-cell" style={{ width: `${p.nameColumnPct}%` }}>
        <span class="indent" style={{ width: `${levels * INDENT_PX + 16}px` }} />
        <LevelBadge level={p.log.level} />
        <span class="log-event">{p.log.event}</span>
      </div>
      <div class="bar-cell">
        <span class="log-tick" style={{ left: `${x}%` }} />
        <span class="log-body" style={x < 60 ? { left: `calc(${x}% + 6px)` } : { right: `calc(${100 - x}% + 6px)` }}>
          {p.log.body && p.log.body !== p.log.event ? p.log.body : summarizeAttributes(p.log.attributes)}
        </span>
      </div>
    </div>
  );
}

function summarizeAttributes(attrs: Record<string, unknown> | undefined): string {
  if (!attrs) return '';
  const skip = new Set([
    'instance_id',
    'version',
    'client_id',
    'event',
    'request_id',
    'trace_id',
    'span_id',
    'level',
    'service',
    'timestamp',
  ]);
  return Object.entries(attrs)
    .filter(([k]) => !skip.has(k))
    .slice(0, 6)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('  ');
}
