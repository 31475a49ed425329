import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { NameOptions } from '../../components/name-options.js';
import { TimeRangeInput } from '../../components/time-range-input.js';
import { useFormDraft } from '../../components/use-form-draft.js';
import { catalogStore, loadOperations } from '../../stores/catalog-store.js';
import { useStore } from '../../stores/store.js';
import type { SearchParams } from './search-params.js';

export function SearchForm({ initial, onSubmit }: { initial: SearchParams; onSubmit: (p: SearchParams) => void }): JSX.Element {
  const { draft: p, setDraft: setP, set, submit } = useFormDraft(initial, onSubmit);
  const services = useStore(catalogStore, (s) => s.services);
  const operations = useStore(catalogStore, (s) => s.operations[p.service]);
  useEffect(() => loadOperations(p.service), [p.service]);
  return (
    <form class="side-form" aria-label="trace search" onSubmit={submit}>
      <label>
        Service
        <select name="service" value={p.service} onChange={(e) => setP({ ...p, service: e.currentTarget.value, operation: '' })}>
          <NameOptions any="All services" names={services} />
        </select>
      </label>
      <label>
        Operation
        <select name="operation" value={p.operation} onChange={(e) => set('operation', e.currentTarget.value)} disabled={!p.service}>
          <NameOptions any="All operations" names={operations ?? []} />
        </select>
      </label>
      <label>
        Status
        <select name="status" value={p.errorsOnly ? 'error' : 'any'} onChange={(e) => set('errorsOnly', e.currentTarget.value === 'error')}>
          <option value="any">Any</option>
          <option value="error">Errors only</option>
        </select>
      </label>
      <label>
        Request ID
        <input
          name="request_id"
          type="search"
          placeholder="req_…"
          value={p.requestId}
          onInput={(e) => set('requestId', e.currentTarget.value.trim())}
        />
      </label>
      <label>
        Tags <span class="muted small">logfmt: k=v</span>
        <input
          name="tags"
          type="search"
          placeholder="http.response.status_code=500"
          value={p.tags}
          onInput={(e) => set('tags', e.currentTarget.value)}
        />
      </label>
      <TimeRangeInput value={p} onChange={(v) => setP((prev) => ({ ...prev, ...v }))} />
      <div class="form-row">
        <label>
          Min duration
          <input
            name="minDuration"
            placeholder="e.g. 1.2s, 100ms"
            value={p.minDuration}
            onInput={(e) => set('minDuration', e.currentTarget.value.trim())}
          />
        </label>
        <label>
          Max duration
          <input
            name="maxDuration"
            placeholder="e.g. 5s"
            value={p.maxDuration}
            onInput={(e) => set('maxDuration', e.currentTarget.value.trim())}
          />
        </label>
      </div>
      <label>
        Limit
        <input
          name="limit"
          type="number"
          min={1}
          max={1500}
          value={p.limit}
          onInput={(e) => set('limit', Number(e.currentTarget.value) || 20)}
        />
      </label>
      <button type="submit" class="primary">
        Find traces
      </button>
    </form>
  );
}
