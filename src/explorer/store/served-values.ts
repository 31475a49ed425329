/**
 * The read side's cap on value length: whatever the store holds (older files, other limits),
 * a value served is at most `max` characters, and a cut one says so in itself (a marker at its
 * end, visible in any client) and in a warning for the span. Values are checked only when the
 * stored JSON is longer than `max` — short rows are passed through without parsing.
 */
import { EXPLORER_ATTR } from '../limits.js';

export function cutMarker(length: number): string {
  return `… [cut by the explorer: ${length} characters]`;
}

/** A string at most `max` characters plus the marker; `undefined` when it was short enough. */
export function cutText(value: string, max: number): string | undefined {
  if (value.length <= max) return undefined;
  const code = value.charCodeAt(max - 1);
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max) + cutMarker(value.length);
}

type Json = unknown;

/** One value capped: long strings cut, arrays/maps whose JSON is too long replaced by their cut JSON text. */
function capValue(value: Json, max: number): { value: Json; from?: number } {
  if (typeof value === 'string') {
    const cut = cutText(value, max);
    return cut === undefined ? { value } : { value: cut, from: value.length };
  }
  if (value !== null && typeof value === 'object') {
    const text = JSON.stringify(value);
    const cut = cutText(text, max);
    return cut === undefined ? { value } : { value: cut, from: text.length };
  }
  return { value };
}

/** An attributes JSON object with every value capped; warnings name what was cut. */
export function capAttributesJson(json: string, max: number, where: string, warnings: string[]): string {
  if (json.length <= max) return json;
  const attrs = JSON.parse(json) as Record<string, Json>;
  let changed = false;
  for (const key of Object.keys(attrs)) {
    const r = capValue(attrs[key], max);
    if (r.from === undefined) continue;
    Object.defineProperty(attrs, key, { value: r.value, enumerable: true, writable: true, configurable: true });
    warnings.push(`${where}attribute "${key.slice(0, 200)}" cut to ${max} of ${r.from} characters`);
    changed = true;
  }
  return changed ? JSON.stringify(attrs) : json;
}

/** Events or links JSON (arrays of objects with `attributes`, events also a `name`), each capped. */
export function capEntriesJson(json: string | null, max: number, kind: 'event' | 'link', warnings: string[]): string | null {
  if (json === null || json.length <= max) return json;
  const entries = JSON.parse(json) as { name?: Json; attributes?: Record<string, Json> }[];
  entries.forEach((entry, i) => {
    if (typeof entry.name === 'string') {
      const cut = cutText(entry.name, max);
      if (cut !== undefined) {
        warnings.push(`${kind} ${i} name cut to ${max} of ${entry.name.length} characters`);
        entry.name = cut;
      }
    }
    if (entry.attributes)
      entry.attributes = JSON.parse(capAttributesJson(JSON.stringify(entry.attributes), max, `${kind} ${i} `, warnings)) as Record<
        string,
        Json
      >;
  });
  return JSON.stringify(entries);
}

const DROPPED_NOTES: [key: string, what: string][] = [
  [EXPLORER_ATTR.DROPPED_ATTRIBUTES, "attribute(s) dropped (by the sender or by the explorer's limits)"],
  [EXPLORER_ATTR.DROPPED_EVENTS, 'event(s) dropped'],
  [EXPLORER_ATTR.DROPPED_LINKS, 'link(s) dropped'],
  [EXPLORER_ATTR.TRUNCATED_VALUES, "string value(s) cut on receipt to the explorer's length limit"],
];

/** Warnings for what was dropped or cut on receipt or clamped (the explorer's own attributes). */
export function receiptWarnings(attributesJson: string, warnings: string[]): void {
  if (!attributesJson.includes('"otel.dropped_') && !attributesJson.includes('"diffscope.explorer.')) return;
  const attrs = JSON.parse(attributesJson) as Record<string, Json>;
  for (const [key, what] of DROPPED_NOTES) {
    const n = attrs[key];
    if (typeof n === 'number' && n > 0) warnings.push(`${n} ${what}`);
  }
  const original = attrs[EXPLORER_ATTR.ORIGINAL_TIME_US];
  if (original !== undefined)
    warnings.push(`the sender's time (${JSON.stringify(original)} µs) was far in the future; shown at the time it was received`);
}
