/**
 * One log line for a person: `14:03:07.412 api-server       INFO  request_received  route=/v1/generations
 * request_id=req_… trace=4bf92f35`. Time (local), the service in its own colour, the level, the
 * event, the line's own fields as key=value, and the trace id shortened to 8 hex digits (enough to
 * tell requests apart; `diffscope trace` and the explorer accept the full id from `--json`). Used
 * by the all-in-one's console and by `diffscope logs`. The JSON line schema is untouched: this is
 * only a rendering of it. A line printed in another DIFFSCOPE_LOG_FORMAT (ecs, datadog, gcp) is
 * read back under the default format's field names first, so it renders the same.
 */
import { BASE_LOG_FIELDS, type LogEntry } from '../../contract/index.js';
import { toSeedRecord } from '../../telemetry/index.js';
import type { ColorName, Paint } from '../terminal.js';

export type LogRecord = Record<string, unknown>;

const SERVICE_COLORS: Record<string, ColorName> = {
  'api-server': 'blue',
  'inference-worker': 'magenta',
  notifier: 'cyan',
  explorer: 'green',
  supervisor: 'yellow',
};
const SPARE_COLORS: ColorName[] = ['blue', 'magenta', 'cyan', 'green', 'yellow'];
const SERVICE_WIDTH = 16;
const VALUE_LIMIT = 120;
/** Shown elsewhere on the line, or noise for a reader (the full line is one `--json` away). */
const HIDDEN = new Set<string>([...BASE_LOG_FIELDS, 'trace_id', 'span_id', 'trace_flags', 'error.stack', 'hostname', 'pid']);
/** Fields a reader looks for first, in this order; the rest follow as written. */
const FIRST = ['request_id', 'client_id', 'status', 'error.code', 'error.type', 'error.message', 'duration_ms'];

function serviceColor(service: string): ColorName {
  const known = SERVICE_COLORS[service];
  if (known) return known;
  let hash = 0;
  for (const ch of service) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return SPARE_COLORS[hash % SPARE_COLORS.length];
}

function clock(timestamp: unknown): string {
  const date = typeof timestamp === 'string' || typeof timestamp === 'number' ? new Date(timestamp) : undefined;
  if (!date || Number.isNaN(date.getTime())) return '--:--:--.---';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function levelText(level: string, p: Paint): string {
  const padded = level.padEnd(5);
  switch (level) {
    case 'ERROR':
    case 'FATAL':
      return p.bold(p.red(padded));
    case 'WARN':
      return p.yellow(padded);
    case 'DEBUG':
    case 'TRACE':
      return p.gray(padded);
    default:
      return p.green(padded);
  }
}

function valueText(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  else if (value === null || typeof value !== 'object') text = String(value);
  else text = JSON.stringify(value);
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT - 1)}…` : text;
}

/** A head field (service, level, event) as text; a foreign line may carry an object there. */
function headText(value: unknown, absent: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? absent : JSON.stringify(value);
}

export interface LogLineOptions {
  /**
   * Inside one request (`diffscope trace`) its ids, its service (on the span's row) and its
   * prompt hash say nothing new: leave them out.
   */
  withinRequest?: boolean;
}

const REQUEST_SCOPED = new Set(['request_id', 'client_id', 'prompt_hash']);

export function formatLogRecord(record: LogRecord, p: Paint, options: LogLineOptions = {}): string {
  const service = headText(record.service, '?');
  const level = headText(record.level, 'INFO').toUpperCase();
  const event = headText(record.event ?? record.msg, '');
  const keys = Object.keys(record).filter(
    (k) => !HIDDEN.has(k) && record[k] !== undefined && !(options.withinRequest && REQUEST_SCOPED.has(k)),
  );
  const ordered = [...FIRST.filter((k) => keys.includes(k)), ...keys.filter((k) => !FIRST.includes(k))];
  const fields = ordered.map((k) => `${p.dim(`${k}=`)}${valueText(record[k])}`);
  const traceId = typeof record.trace_id === 'string' ? record.trace_id : undefined;
  if (traceId && !options.withinRequest) fields.push(p.dim(`trace=${traceId.slice(0, 8)}`));
  const who = options.withinRequest ? '' : ` ${p[serviceColor(service)](service.padEnd(SERVICE_WIDTH))}`;
  const head = `${p.dim(clock(record.timestamp))}${who} ${levelText(level, p)} ${p.bold(event)}`;
  return fields.length > 0 ? `${head}  ${fields.join(' ')}` : head;
}

/** A line as a service printed it, in any log format: JSON rendered, anything else (a crash's stack) passed through. */
export function formatConsoleLine(line: string, p: Paint): string {
  if (!line.startsWith('{')) return line;
  try {
    const record = JSON.parse(line) as unknown;
    return record && typeof record === 'object' && !Array.isArray(record) ? formatLogRecord(toSeedRecord(record as LogRecord), p) : line;
  } catch {
    return line;
  }
}

/** A line the explorer stored (GET /api/logs) as the service wrote it: correlation ids and its own fields. */
export function logRecordOf(entry: LogEntry): LogRecord {
  return {
    timestamp: entry.timestamp,
    level: entry.level,
    service: entry.service,
    event: entry.event ?? entry.body ?? '',
    ...(entry.request_id ? { request_id: entry.request_id } : {}),
    ...entry.attributes,
    ...(entry.trace_id ? { trace_id: entry.trace_id } : {}),
  };
}
