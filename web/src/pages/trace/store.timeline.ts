import { createStore } from '../../stores/store.js';
import type { Store } from '../../stores/store.js';
import { ancestorsOf } from '../../model/visible-rows.js';
import type { TraceModel } from '../../model/types.js';

// Per trace: lives as long as one trace is open, thrown away with it.
export interface TimelineState {
  selected: number;
  collapsed: ReadonlySet<number>;
  /** Bumped when something outside the waterfall (URL, log panel) selects a span, so the view scrolls to it. */
  revealTick: number;
}

export type TimelineStore = Store<TimelineState>;

export function createTimelineStore(): TimelineStore {
  return createStore<TimelineState>({ selected: -1, collapsed: new Set(), revealTick: 0 });
}

export function selectSpan(store: TimelineStore, index: number): void {
  store.set((s) => (s.selected === index ? s : { ...s, selected: index }));
}

/** Selects a span and expands its ancestors so it is on screen. */
export function revealSpan(store: TimelineStore, model: TraceModel, index: number): void {
  store.set((s) => {
    let collapsed = s.collapsed;
    const hidden = ancestorsOf(model, index).filter((a) => collapsed.has(a));
    if (hidden.length > 0) {
      const next = new Set(collapsed);
      for (const a of hidden) next.delete(a);
      collapsed = next;
    }
    return { ...s, selected: index, collapsed, revealTick: s.revealTick + 1 };
  });
}

export function toggleCollapsed(store: TimelineStore, index: number, collapse?: boolean): void {
  store.set((s) => {
    const has = s.collapsed.has(index);
    const want = collapse ?? !has;
    if (want === has) return s;
    const next = new Set(s.collapsed);
    if (want) next.add(index);
    else next.delete(index);
    return { ...s, collapsed: next };
  });
}

export function setCollapsed(store: TimelineStore, collapsed: ReadonlySet<number>): void {
  store.set((s) => ({ ...s, collapsed }));
}
