/** Durations in µs, printed the way Jaeger does: the largest unit that keeps 1–3 digits. */
export function formatDuration(us: number): string {
  if (!Number.isFinite(us)) return '–';
  const abs = Math.abs(us);
  if (abs < 1000) return `${round(us)}µs`;
  if (abs < 1_000_000) return `${round(us / 1000)}ms`;
  if (abs < 60_000_000) return `${round(us / 1_000_000)}s`;
  const m = Math.floor(us / 60_000_000);
  const s = Math.round((us - m * 60_000_000) / 1_000_000);
  return `${m}m ${s}s`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return formatDuration(ms * 1000);
}

function round(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return String(Number(v.toFixed(digits)));
}

export function formatTimestampUs(us: number): string {
  if (!Number.isFinite(us) || us <= 0) return '–';
  const d = new Date(us / 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatClockUs(us: number): string {
  return formatTimestampUs(us).slice(11);
}

/** Evenly spaced "nice" ticks (1/2/5 × 10^k) across [0, durationUs]. */
export function timeTicks(durationUs: number, maxTicks: number): number[] {
  if (!(durationUs > 0) || maxTicks < 1) return [0];
  const rough = durationUs / maxTicks;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= rough) ?? 10 * pow;
  const ticks: number[] = [];
  for (let t = 0; t <= durationUs + step * 1e-9; t += step) ticks.push(t);
  return ticks;
}
