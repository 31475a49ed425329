export const LOOKBACKS: { value: string; label: string; us: number }[] = [
  { value: '5m', label: 'Last 5 minutes', us: 5 * 60e6 },
  { value: '15m', label: 'Last 15 minutes', us: 15 * 60e6 },
  { value: '1h', label: 'Last hour', us: 3600e6 },
  { value: '6h', label: 'Last 6 hours', us: 6 * 3600e6 },
  { value: '24h', label: 'Last 24 hours', us: 24 * 3600e6 },
  { value: '7d', label: 'Last 7 days', us: 7 * 24 * 3600e6 },
  { value: 'all', label: 'Any time', us: 0 },
  { value: 'custom', label: 'Custom range…', us: -1 },
];

export interface TimeRangeValue {
  lookback: string;
  /** datetime-local values ("2026-11-25T14:05"), read as local time; used when lookback is 'custom'. */
  from: string;
  to: string;
}

/** The range as the URL carries it; the last hour when it says nothing. */
export function readTimeRange(q: URLSearchParams): TimeRangeValue {
  return { lookback: q.get('lookback') ?? '1h', from: q.get('from') ?? '', to: q.get('to') ?? '' };
}

/** The range for the URL: from/to only with a custom range (they mean nothing otherwise). */
export function timeRangeToQuery(p: TimeRangeValue): { lookback: string; from?: string; to?: string } {
  const custom = p.lookback === 'custom';
  return { lookback: p.lookback, from: custom ? p.from : undefined, to: custom ? p.to : undefined };
}

function localToUs(value: string): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? Math.round(ms * 1000) : undefined;
}

/** Lookback name (or a custom from/to) → [start, end] in µs since epoch; 'all' or unknown → no bounds. */
export function lookbackRange(
  value: string | null,
  nowMs = Date.now(),
  custom?: { from: string; to: string },
): { start?: number; end?: number } {
  if (value === 'custom') {
    const out: { start?: number; end?: number } = {};
    const start = localToUs(custom?.from ?? '');
    const end = localToUs(custom?.to ?? '');
    if (start !== undefined) out.start = start;
    if (end !== undefined) out.end = end;
    return out;
  }
  const found = LOOKBACKS.find((l) => l.value === value);
  if (!found || found.us <= 0) return {};
  const end = Math.round(nowMs * 1000);
  return { start: end - found.us, end };
}

/** A Date as a datetime-local input value, in local time to the minute. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
