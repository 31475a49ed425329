import type { JSX } from 'preact';
import { NameOptions } from '../../components/name-options.js';
import { TimeRangeInput } from '../../components/time-range-input.js';
import { useFormDraft } from '../../components/use-form-draft.js';
import { catalogStore } from '../../stores/catalog-store.js';
import { useStore } from '../../stores/store.js';
import type { LogParams } from './log-params.js';

const LEVELS = ['', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function LogFilters({ initial, onSubmit }: { initial: LogParams; onSubmit: (p: LogParams) => void }): JSX.Element {
  const { draft: p, setDraft: setP, set, submit } = useFormDraft(initial, onSubmit);
  const services = useStore(catalogStore, (s) => s.services);
  return (
    <form class="filter-bar" aria-label="log search" onSubmit={submit}>
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
          <NameOptions any="Any" names={services} />
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
        <input
          name="trace_id"
          class="mono"
          placeholder="32 hex"
          value={p.traceId}
          onInput={(e) => set('traceId', e.currentTarget.value.trim())}
        />
      </label>
      <TimeRangeInput value={p} onChange={(v) => setP((prev) => ({ ...prev, ...v }))} />
      <button type="submit" class="primary">
        Search logs
      </button>
    </form>
  );
}
