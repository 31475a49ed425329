/**
 * `diffscope logs`: the explorer's log search (GET /api/logs, src/explorer/api/logs-routes.ts)
 * as readable lines, oldest first; `--follow` keeps asking for newer lines until Ctrl-C.
 */
import type { LogEntry, LogSearchResponse } from '../../contract/index.js';
import type { CommandContext } from '../command-table.js';
import { explorerClient } from '../client/servers.js';
import { formatLogRecord, logRecordOf } from '../console/log-line.js';
import { UsageError } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { colorEnabled, paint } from '../terminal.js';

const FOLLOW_INTERVAL_MS = 1_000;
/**
 * Services export their lines in batches, so a line can reach the explorer after a later one:
 * each poll looks back this far and skips the ids it already printed.
 */
const FOLLOW_LOOKBACK_US = 60_000_000;
const DURATION_US: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6 };

/** `--since 15m` → µs since the epoch; an ISO date as it is. */
export function sinceToUs(since: string, nowMs = Date.now()): number {
  const d = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(since.trim());
  if (d) return Math.round(nowMs * 1000 - Number(d[1]) * DURATION_US[d[2]]);
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) throw new UsageError(`--since expects a duration (30s, 15m, 2h, 1d) or an ISO date, got "${since}"`, 'logs');
  return ms * 1000;
}

function query(values: CommandContext['values'], startUs: number | undefined): string {
  const q = new URLSearchParams();
  const set = (param: string, option: string) => {
    const v = values[option];
    if (typeof v === 'string' && v !== '') q.set(param, v);
  };
  set('trace_id', 'trace-id');
  set('request_id', 'request-id');
  set('service', 'service');
  set('level', 'level');
  set('event', 'event');
  set('q', 'grep');
  const limit = values.limit;
  if (limit !== undefined && (typeof limit !== 'string' || !/^\d+$/.test(limit)))
    throw new UsageError(`--limit expects a whole number, got "${String(limit)}"`, 'logs');
  q.set('limit', typeof limit === 'string' ? limit : '100');
  if (startUs !== undefined) q.set('start', String(startUs));
  return q.toString();
}

export async function runLogs(context: CommandContext): Promise<number> {
  const { values } = context;
  const explorer = explorerClient(context.config);
  const asJson = values.json === true;
  const colors = paint(!asJson && colorEnabled(process.stdout));
  const print = (entry: LogEntry): void => {
    process.stdout.write((asJson ? JSON.stringify(entry) : formatLogRecord(logRecordOf(entry), colors)) + '\n');
  };
  const since = typeof values.since === 'string' ? sinceToUs(values.since) : undefined;
  const first = await explorer.json<LogSearchResponse>(`/api/logs?${query(values, since)}`);
  // The API answers newest first; a reader wants time to flow down the screen.
  const initial = [...first.data].reverse();
  for (const entry of initial) print(entry);
  if (values.follow !== true) {
    if (first.data.length === 0 && !asJson) process.stderr.write('no log lines match\n');
    return EXIT.OK;
  }

  const printed = new Map<number, number>(initial.map((e) => [e.id, e.time_us]));
  let newestUs = initial.reduce((max, e) => Math.max(max, e.time_us), since ?? Date.now() * 1000 - FOLLOW_LOOKBACK_US);
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  while (!stop) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_INTERVAL_MS));
    if (stop) break;
    const from = Math.max(since ?? 0, newestUs - FOLLOW_LOOKBACK_US);
    const page = await explorer.json<LogSearchResponse>(`/api/logs?${query({ ...values, limit: '5000' }, from)}`);
    for (const entry of [...page.data].reverse()) {
      if (printed.has(entry.id)) continue;
      printed.set(entry.id, entry.time_us);
      if (entry.time_us > newestUs) newestUs = entry.time_us;
      print(entry);
    }
    // Forget what fell out of the look-back window: the map stays as small as one window.
    for (const [id, timeUs] of printed) if (timeUs < from) printed.delete(id);
  }
  return EXIT.OK;
}
