/** Query-string parsing shared by the API routes: Go durations, Jaeger tag filters, times. */

export class BadParamError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'BadParamError';
  }
}

const UNIT_US: Record<string, number> = { ns: 0.001, us: 1, µs: 1, μs: 1, ms: 1000, s: 1e6, m: 60e6, h: 3600e6 };

/** Go's time.ParseDuration grammar ("1.5s", "100ms", "1h30m", "250us") → microseconds. */
export function parseGoDurationUs(input: string, param = 'duration'): number {
  const s = input.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_US[m[2]];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== s.length) throw new BadParamError(param, `${param}: not a duration like "100ms" or "1.5s": "${input}"`);
  return Math.round(total);
}

/** Jaeger's lookback values ("1h", "2d", "custom") → µs, or undefined. */
export function parseLookbackUs(input: string | undefined): number | undefined {
  if (!input || input === 'custom') return undefined;
  const d = /^(\d+)d$/.exec(input);
  if (d) return Number(d[1]) * 24 * 3600e6;
  return parseGoDurationUs(input, 'lookback');
}

/** `tags` as Jaeger's UI sends it (JSON object) or as logfmt (`k=v k2="v 2"`). */
export function parseTags(input: string | string[] | undefined): Record<string, string> {
  // no prototype: a key such as "__proto__" is a tag like any other
  const out = Object.create(null) as Record<string, string>;
  const parts = input === undefined ? [] : Array.isArray(input) ? input : [input];
  for (const raw of parts) {
    const text = raw.trim();
    if (!text) continue;
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new BadParamError('tags', 'tags: malformed JSON');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadParamError('tags', 'tags: expected a JSON object');
      for (const [k, v] of Object.entries(parsed)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
      continue;
    }
    // logfmt, plus Jaeger's older "key:value" form
    const re = /\s*([^\s=:"]+)\s*[=:]\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))/gy;
    let m: RegExpExecArray | null;
    let consumed = 0;
    while ((m = re.exec(text)) !== null) {
      out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
      consumed = re.lastIndex;
    }
    if (text.slice(consumed).trim() !== '') throw new BadParamError('tags', `tags: cannot parse "${text}"`);
  }
  return out;
}

/** µs epoch integer, or an ISO date string, or undefined. */
export function parseTimeUs(input: string | undefined, param: string): number | undefined {
  if (input === undefined || input === '') return undefined;
  if (/^\d+$/.test(input)) return Number(input);
  const ms = Date.parse(input);
  if (Number.isNaN(ms)) throw new BadParamError(param, `${param}: expected microseconds since the epoch or an ISO date`);
  return ms * 1000;
}

export function parseLimit(input: string | undefined, fallback: number, max: number): number {
  if (input === undefined || input === '') return fallback;
  const n = Number(input);
  if (!Number.isInteger(n) || n < 0) throw new BadParamError('limit', 'limit: expected a non-negative integer');
  return n === 0 ? fallback : Math.min(n, max);
}

/** Jaeger trace ids may come without leading zeros; the store keeps 32 lowercase hex digits. */
export function normalizeTraceId(input: string): string | undefined {
  const s = input.trim().toLowerCase();
  if (!/^[0-9a-f]{1,32}$/.test(s)) return undefined;
  return s.padStart(32, '0');
}

export function firstString(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}
