/**
 * Thread side: a Logger that sends each line to the main thread with the job and span it was
 * written in; the main thread writes it with its own logger inside that span's context, so the
 * line carries the request's trace_id/span_id/request_id like any other.
 */
import { context, trace, type LogFields, type Logger, type LogLevel } from '../../telemetry/index.js';
import { serializeError, type FromThread } from './protocol.js';
import { RelaySpan } from './relay-tracer.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Error objects lose their own fields in a structured clone; send them as plain data. */
function cloneable(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { __error: serializeError(v) } : v;
  return out;
}

export function createRelayLogger(level: LogLevel, post: (message: FromThread) => void, bindings: LogFields = {}): Logger {
  const min = ORDER[level];
  const write =
    (lvl: LogLevel) =>
    (event: string, fields: LogFields = {}) => {
      if (ORDER[lvl] < min) return;
      const span = trace.getSpan(context.active());
      const relay = span instanceof RelaySpan ? span : undefined;
      post({
        t: 'log',
        job: relay?.job ?? null,
        span: relay?.id ?? null,
        level: lvl,
        event,
        fields: cloneable({ ...bindings, ...fields }),
      });
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => createRelayLogger(level, post, { ...bindings, ...more }),
    isLevelEnabled: (lvl) => ORDER[lvl] >= min,
  };
}
