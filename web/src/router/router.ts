import { createStore, useStore } from '../stores/store.js';

// Pure URL helpers live in routes.ts (unit-tested without a DOM); re-exported for the views.
export { compareHref, matchRoute, queryString } from './routes.js';
export type { Route } from './routes.js';

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
