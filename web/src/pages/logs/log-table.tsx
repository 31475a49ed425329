import type { JSX } from 'preact';
import { LevelBadge } from '../../components/badges.js';
import { serviceColor } from '../../components/colors.js';
import { formatTimestampUs } from '../../model/format.js';
import type { LogEntry } from '../../model/types.js';
import { Link } from '../../router/link.js';
import { queryString } from '../../router/router.js';

/** Each line with a trace id is a link to that trace with its span selected (log → trace). */
export function LogTable({ logs }: { logs: LogEntry[] }): JSX.Element {
  return (
    <ol class="log-results" aria-label="log lines">
      {logs.map((l) => {
        const content = (
          <>
            <span class="mono small muted log-time">{formatTimestampUs(l.time_us)}</span>
            <LevelBadge level={l.level} />
            <span class="log-svc">
              <span class="svc-swatch" style={{ background: serviceColor(l.service) }} />
              {l.service}
            </span>
            <strong class="log-event">{l.event}</strong>
            <span class="log-text">
              {l.body && l.body !== l.event ? `${l.body} ` : ''}
              <span class="muted">{attrs(l.attributes)}</span>
            </span>
            {l.trace_id ? (
              <span class="log-trace mono small">trace {l.trace_id.slice(0, 8)} →</span>
            ) : (
              <span class="log-trace muted small">no trace</span>
            )}
          </>
        );
        return (
          <li key={l.id} class={`level-row-${l.level.toLowerCase()}`}>
            {l.trace_id ? (
              <Link
                class="log-result"
                href={`/trace/${encodeURIComponent(l.trace_id)}${queryString({ span: l.span_id ?? undefined })}`}
                data-log-id={String(l.id)}
              >
                {content}
              </Link>
            ) : (
              <div class="log-result" data-log-id={String(l.id)}>
                {content}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function attrs(a: Record<string, unknown> | undefined): string {
  if (!a) return '';
  const skip = new Set(['instance_id', 'version', 'event', 'request_id', 'trace_id', 'span_id', 'level', 'service', 'timestamp']);
  return Object.entries(a)
    .filter(([k]) => !skip.has(k))
    .slice(0, 8)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
