/**
 * A line written in any format (DIFFSCOPE_LOG_FORMAT), read back under the seed's field names:
 * for tools that read diffscope's lines whatever the deployment chose (a console renderer, the
 * log-line contract check in tests). Formats are told apart by their envelope fields.
 */
import type { LogFormat } from './line-format.js';

type LineRecord = Record<string, unknown>;

const GCP_LEVEL: Record<string, string> = { DEBUG: 'DEBUG', INFO: 'INFO', WARNING: 'WARN', ERROR: 'ERROR', CRITICAL: 'ERROR' };

export function formatOfLine(record: LineRecord): LogFormat {
  if (record['log.level'] !== undefined || record['ecs.version'] !== undefined) return 'ecs';
  if (record.dd !== undefined && typeof record.dd === 'object') return 'datadog';
  if (record.severity !== undefined && record.time !== undefined) return 'gcp';
  return 'seed';
}

function move(out: LineRecord, from: string, to: string): void {
  if (out[from] === undefined) return;
  out[to] = out[from];
  delete out[from];
}

/** The message field a format added from the event name (not one the event itself carries). */
function dropDerivedMessage(out: LineRecord): void {
  if (out.message === out.event) delete out.message;
}

export function toSeedRecord(record: LineRecord): LineRecord {
  const out: LineRecord = { ...record };
  switch (formatOfLine(record)) {
    case 'ecs': {
      out.level = typeof out['log.level'] === 'string' ? out['log.level'].toUpperCase() : out['log.level'];
      out.event = out['event.action'];
      for (const key of ['log.level', 'event.action', 'ecs.version', 'event.dataset', 'service.environment', 'transaction.id'])
        delete out[key];
      for (const [from, to] of [
        ['@timestamp', 'timestamp'],
        ['service.name', 'service'],
        ['service.version', 'version'],
        ['service.node.name', 'instance_id'],
        ['trace.id', 'trace_id'],
        ['span.id', 'span_id'],
        ['url.original', 'url'],
        ['diffscope.device', 'device'],
        ['error.stack_trace', 'error.stack'],
      ])
        move(out, from, to);
      dropDerivedMessage(out);
      break;
    }
    case 'datadog':
      out.level = typeof out.status === 'string' ? out.status.toUpperCase() : out.status;
      delete out.status;
      delete out.dd;
      move(out, 'generation_status', 'status');
      dropDerivedMessage(out);
      break;
    case 'gcp':
      out.level = GCP_LEVEL[String(out.severity)] ?? out.severity;
      delete out.severity;
      move(out, 'time', 'timestamp');
      for (const key of Object.keys(out)) if (key.startsWith('logging.googleapis.com/')) delete out[key];
      dropDerivedMessage(out);
      break;
    case 'seed':
      break;
  }
  return out;
}
