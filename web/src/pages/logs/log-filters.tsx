import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { TimeRangeInput } from '../../components/time-range-input.js';
import { catalogStore } from '../../stores/catalog-store.js';
import { useStore } from '../../stores/store.js';
import type { LogParams } from './log-params.js';

const LEVELS = ['', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function LogFilters({ initial, onSubmit }: { initial: LogParams; onSubmit: (p: LogParams) => void }): JSX.Element {
  const [p, setP] = useState(initial);
  useEffect(() => setP(initial), [initial]);
  const services = useStore(catalogStore, (s) => s.services);
  const set = <K extends keyof LogParams>(k: K, v: LogParams[K]): void => setP((prev) => ({ ...prev, [k]: v }));
  return (
    <form
      class="filter-bar"
      aria-label="log search"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(p);
      }}
    >
      <label class="grow">
        Text
        <input name="q" type="search" placeholder="full-text search" value={p.q} onInput={(e) => set('q', e.currentTarget.value)} />
      </label>
      <label>
        Level
        <select name="level" value={p.level} onChange={(e) => set('level', e.currentTarget.value)}>
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {l || 'Any'}
            </option>
          ))}
        </select>
      </label>
      <label>
        Service
        <select name="service" value={p.service} onChange={(e) => set('service', e.currentTarget.value)}>
          <option value="">Any</option>
          {services.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Event
        <input name="event" placeholder="request_failed" value={p.event} onInput={(e) => set('event', e.currentTarget.value.trim())} />
      </label>
      <label>
        Request ID
        <input name="request_id" placeholder="req_…" value={p.requestId} onInput={(e) => set('requestId', e.currentTarget.value.trim())} />
      </label>
      <label>
        Trace ID
        <input name="trace_id" class="mono" placeholder="32 hex" value={p.traceId} onInput={(e) => set('traceId', e.currentTarget.value.trim())} />
      </label>
      <TimeRangeInput value={p} onChange={(v) => setP((prev) => ({ ...prev, ...v }))} />
      <button type="submit" class="primary">
        Search logs
      </button>
    </form>
  );
}
