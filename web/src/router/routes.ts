// URL helpers with no DOM access, so they can be unit-tested in Node.

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
