import { createStore } from '../../stores/store.js';

// Preferences: outlive any one trace, kept in localStorage.
export interface LayoutState {
  inlineLogs: boolean;
  logsPanel: boolean;
  detailPane: boolean;
  nameColumnPct: number;
}

const KEY = 'diffscope.trace.layout';
const DEFAULTS: LayoutState = { inlineLogs: false, logsPanel: true, detailPane: true, nameColumnPct: 32 };

function load(): LayoutState {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (raw) return { ...DEFAULTS, ...(JSON.parse(raw) as Partial<LayoutState>) };
  } catch {
    // private mode or corrupt JSON: fall back to defaults
  }
  return DEFAULTS;
}

export const layoutStore = createStore<LayoutState>(load());
layoutStore.subscribe(() => {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(layoutStore.get()));
  } catch {
    // storage full or denied: preferences just do not persist
  }
});

export function setLayout(patch: Partial<LayoutState>): void {
  layoutStore.set((s) => ({ ...s, ...patch }));
}
