import { describe, expect, it } from 'vitest';
import { lookbackRange, toLocalInput } from '../../web/src/components/time-range.js';
import { parseTags, readSearchParams, searchParamsToQuery, toTraceQuery } from '../../web/src/pages/search/search-params.js';
import { readLogParams, toLogQuery } from '../../web/src/pages/logs/log-params.js';
import { matchRoute } from '../../web/src/router/routes.js';

const NOW = Date.parse('2026-11-25T14:00:00Z');

describe('time ranges', () => {
  it('turns lookbacks into µs bounds and custom ranges into local-time bounds', () => {
    expect(lookbackRange('1h', NOW)).toEqual({ start: NOW * 1000 - 3600e6, end: NOW * 1000 });
    expect(lookbackRange('all', NOW)).toEqual({});
    expect(lookbackRange('bogus', NOW)).toEqual({});
    const from = toLocalInput(NOW - 600_000);
    const to = toLocalInput(NOW);
    expect(lookbackRange('custom', NOW, { from, to })).toEqual({ start: (NOW - 600_000) * 1000, end: NOW * 1000 });
    expect(lookbackRange('custom', NOW, { from: '', to })).toEqual({ end: NOW * 1000 });
  });
});

describe('search parameters', () => {
  it('round-trips through the URL and builds the Jaeger query', () => {
    const p = readSearchParams(
      new URLSearchParams('service=api-server&error=1&tags=http.route%3D%2Fv1%20a%3D%22b%20c%22&minDuration=1s&lookback=6h&sort=longest'),
    );
    expect(p).toMatchObject({ service: 'api-server', errorsOnly: true, minDuration: '1s', lookback: '6h', sort: 'longest', limit: 20 });
    const q = toTraceQuery(p, NOW);
    expect(q.tags).toEqual({ 'http.route': '/v1', a: 'b c', error: 'true' });
    expect(q.start).toBe(NOW * 1000 - 6 * 3600e6);
    const back = readSearchParams(
      new URLSearchParams(
        Object.entries(searchParamsToQuery(p))
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      ),
    );
    expect(back).toEqual(p);
    expect(parseTags('')).toEqual({});
  });

  it('builds log queries, custom ranges included', () => {
    const p = readLogParams(
      new URLSearchParams(`level=ERROR&q=nan&lookback=custom&from=${toLocalInput(NOW - 60_000)}&to=${toLocalInput(NOW)}`),
    );
    expect(toLogQuery(p, NOW)).toMatchObject({ level: 'ERROR', q: 'nan', start: (NOW - 60_000) * 1000, end: NOW * 1000, limit: 200 });
  });
});

describe('routes', () => {
  it('matches the shareable URLs', () => {
    expect(matchRoute('/')).toEqual({ page: 'search' });
    expect(matchRoute('/trace/abc%20d/')).toEqual({ page: 'trace', traceID: 'abc d' });
    expect(matchRoute('/logs')).toEqual({ page: 'logs' });
    expect(matchRoute('/analysis')).toEqual({ page: 'analysis' });
    expect(matchRoute('/nope')).toEqual({ page: 'not-found' });
  });
});
