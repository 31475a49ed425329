import type { JSX } from 'preact';
import { LOOKBACKS, toLocalInput } from './time-range.js';
import type { TimeRangeValue } from './time-range.js';

/** Lookback select; "Custom range…" reveals from/to inputs, seeded with the last hour. */
export function TimeRangeInput({ value, onChange }: { value: TimeRangeValue; onChange: (v: TimeRangeValue) => void }): JSX.Element {
  const pick = (lookback: string): void => {
    if (lookback === 'custom' && (!value.from || !value.to)) {
      const now = Date.now();
      onChange({ lookback, from: toLocalInput(now - 3600_000), to: toLocalInput(now + 60_000) });
    } else onChange({ ...value, lookback });
  };
  return (
    <>
      <label>
        Time
        <select name="lookback" value={value.lookback} onChange={(e) => pick(e.currentTarget.value)}>
          {LOOKBACKS.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
        </select>
      </label>
      {value.lookback === 'custom' && (
        <>
          <label>
            From
            <input
              name="from"
              type="datetime-local"
              value={value.from}
              onInput={(e) => onChange({ ...value, from: e.currentTarget.value })}
            />
          </label>
          <label>
            To
            <input name="to" type="datetime-local" value={value.to} onInput={(e) => onChange({ ...value, to: e.currentTarget.value })} />
          </label>
        </>
      )}
    </>
  );
}
