export const LOOKBACKS: { value: string; label: string; us: number }[] = [
  { value: '5m', label: 'Last 5 minutes', us: 5 * 60e6 },
  { value: '15m', label: 'Last 15 minutes', us: 15 * 60e6 },
  { value: '1h', label: 'Last hour', us: 3600e6 },
  { value: '6h', label: 'Last 6 hours', us: 6 * 3600e6 },
  { value: '24h', label: 'Last 24 hours', us: 24 * 3600e6 },
  { value: '7d', label: 'Last 7 days', us: 7 * 24 * 3600e6 },
  { value: 'all', label: 'Any time', us: 0 },
];

/** Lookback name → [start, end] in µs since epoch; 'all' (or unknown) → no bounds. */
export function lookbackRange(value: string | null, nowMs = Date.now()): { start?: number; end?: number } {
  const found = LOOKBACKS.find((l) => l.value === value);
  if (!found || found.us === 0) return {};
  const end = Math.round(nowMs * 1000);
  return { start: end - found.us, end };
}
