// The /compare/<a>...<b> address: built and read back without a DOM.
import { describe, expect, it } from 'vitest';
import { compareHref, matchRoute } from '../../web/src/router/routes.js';

const A = '4bf92f3577b34da6a3ce929d0e0e4736';
const B = '7d3c1b8e2a9f4e6d8c5b3a1f0e9d8c7b';

describe('compare route', () => {
  it('joins ids with "..." and reads them back in order (the first is the baseline)', () => {
    expect(compareHref([A, B])).toBe(`/compare/${A}...${B}`);
    expect(matchRoute(compareHref([A, B]))).toEqual({ page: 'compare', traceIDs: [A, B] });
    expect(matchRoute(`/compare/${B}...${A}...abc...def/`)).toEqual({ page: 'compare', traceIDs: [B, A, 'abc', 'def'] });
  });

  it('leaves the count to the page (which explains it) and survives malformed escapes', () => {
    expect(matchRoute(`/compare/${A}`)).toEqual({ page: 'compare', traceIDs: [A] });
    expect(matchRoute(`/compare/${A}......${B}`)).toEqual({ page: 'compare', traceIDs: [A, B] });
    expect(matchRoute('/compare/%E0%A4%A...abc')).toEqual({ page: 'compare', traceIDs: ['%E0%A4%A', 'abc'] });
    expect(matchRoute('/compare')).toEqual({ page: 'not-found' });
  });
});
