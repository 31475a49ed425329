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
  | { page: 'compare'; traceIDs: string[] }
  | { page: 'not-found' };

/** Trace ids in a /compare path are joined by `...` (git's range habit; hex ids never contain dots). */
const COMPARE_SEPARATOR = '...';

/** `/compare/<a>...<b>[...<c>...<d>]`: the first trace is the baseline. */
export function compareHref(traceIDs: readonly string[]): string {
  return `/compare/${traceIDs.map(encodeURIComponent).join(COMPARE_SEPARATOR)}`;
}

/** A malformed escape stays as typed (the page then says the id is unknown) instead of throwing. */
function decodeOrKeep(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function matchRoute(path: string): Route {
  const clean = path.replace(/\/+$/, '') || '/';
  if (clean === '/' || clean === '/search') return { page: 'search' };
  if (clean === '/logs') return { page: 'logs' };
  if (clean === '/analysis') return { page: 'analysis' };
  const c = /^\/compare\/([^/]+)$/.exec(clean);
  // how many ids is the page's to judge, so a wrong count gets an explanation, not "nothing here"
  if (c)
    return {
      page: 'compare',
      traceIDs: c[1]
        .split(COMPARE_SEPARATOR)
        .filter((id) => id !== '')
        .map(decodeOrKeep),
    };
  const m = /^\/trace\/([^/]+)$/.exec(clean);
  if (m) return { page: 'trace', traceID: decodeURIComponent(m[1]) };
  return { page: 'not-found' };
}
