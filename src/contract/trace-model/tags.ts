import type { JaegerTag } from '../explorer-api.js';

/** Tag values arrive typed (bool/int64/float64) or as strings, depending on the writer. */
export function tagMapOf(tags: readonly JaegerTag[] | undefined): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (tags) for (const t of tags) map.set(t.key, t.value);
  return map;
}

/** First value of `key`: a linear scan, cheaper than a Map per span for the handful of tags a span has. */
export function tagValue(tags: readonly JaegerTag[], key: string): unknown {
  for (let i = 0; i < tags.length; i++) if (tags[i].key === key) return tags[i].value;
  return undefined;
}

export function isTruthyTag(value: unknown): boolean {
  return value === true || value === 'true' || value === 1 || value === '1';
}

/** true/false from a typed bool or its string/number spellings; undefined for anything else. */
export function booleanTag(value: unknown): boolean | undefined {
  if (isTruthyTag(value)) return true;
  return value === false || value === 'false' || value === 0 || value === '0' ? false : undefined;
}

export function numberTag(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/**
 * Array attributes (e.g. diffusion.step_durations_ms) reach Jaeger JSON as a JSON string, or as a
 * real array when our own store keeps them; accept both, drop anything non-numeric.
 */
export function numberArrayTag(value: unknown): number[] | undefined {
  let raw: unknown = value;
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (!s.startsWith('[')) return undefined;
    try {
      raw = JSON.parse(s);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(raw)) return undefined;
  const out: number[] = [];
  for (const v of raw) {
    const n = numberTag(v);
    if (n !== undefined) out.push(n);
  }
  return out;
}

export function stringTag(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return formatTagValue(value);
}

export function formatTagValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    // Only a cycle (or a throwing toJSON) gets here; decoded JSON has neither.
    return '[unserializable value]';
  }
}
