import { createStore, useStore } from '../stores/store.js';

export interface Location {
  path: string;
  query: URLSearchParams;
}

function read(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

// App-wide: the URL is the source of truth for the page and its filters, so every view is shareable.
const locationStore = createStore<Location>(read());
window.addEventListener('popstate', () => locationStore.set(read()));

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.origin);
  if (url.pathname + url.search === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', url.pathname + url.search);
  else window.history.pushState(null, '', url.pathname + url.search);
  locationStore.set(read());
  if (!options.replace) window.scrollTo(0, 0);
}

export function useLocation(): Location {
  return useStore(locationStore, (l) => l);
}

export function queryString(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export type Route =
  | { page: 'search' }
  | { page: 'trace'; traceID: string }
  | { page: 'logs' }
  | { page: 'analysis' }
  | { page: 'not-found' };

export function matchRoute(path: string): Route {
  const clean = path.replace(/\/+$/, '') || '/';
  if (clean === '/' || clean === '/search') return { page: 'search' };
  if (clean === '/logs') return { page: 'logs' };
  if (clean === '/analysis') return { page: 'analysis' };
  const m = /^\/trace\/([^/]+)$/.exec(clean);
  if (m) return { page: 'trace', traceID: decodeURIComponent(m[1]) };
  return { page: 'not-found' };
}
