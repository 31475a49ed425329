/**
 * The tail sampler's pure parts against independent computations: the probabilistic rule
 * (OpenTelemetry consistent probability sampling on the trace id's last 56 bits), the
 * group_latency window's percentile against a naive nearest rank over the last N values, and the
 * decision cache's bound. The end-to-end behaviour is in tail-sampling.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keepsByProbability, rejectionThreshold, traceRandomness } from '../../src/explorer/sampling/index.js';
import { GroupLatency } from '../../src/explorer/sampling/group-latency.js';
import { DecisionCache } from '../../src/explorer/sampling/decision-cache.js';

const traceId = fc.stringMatching(/^[0-9a-f]{32}$/);

describe('probabilistic policy', () => {
  it('keeps nothing at 0 % and everything at 100 %, whatever the id', () => {
    for (const id of ['0'.repeat(32), 'f'.repeat(32), '0123456789abcdef0123456789abcdef']) {
      expect(keepsByProbability(id, rejectionThreshold(0))).toBe(false);
      expect(keepsByProbability(id, rejectionThreshold(100))).toBe(true);
    }
  });

  it('reads the randomness from the last 14 hex digits only', () => {
    expect(traceRandomness('ffffffffffffffffff00000000000001')).toBe(1n);
    expect(traceRandomness('000000000000000000ffffffffffffff')).toBe((1n << 56n) - 1n);
  });

  it('keeps at 50 % exactly the ids whose randomness has its top bit set', () => {
    fc.assert(
      fc.property(traceId, (id) => {
        const topBit = (parseInt(id.slice(-14, -13), 16) & 8) !== 0;
        expect(keepsByProbability(id, rejectionThreshold(50))).toBe(topBit);
      }),
    );
  });

  it('a larger percentage keeps a superset of what a smaller one keeps', () => {
    fc.assert(
      fc.property(traceId, fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (id, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        if (keepsByProbability(id, rejectionThreshold(lo))) expect(keepsByProbability(id, rejectionThreshold(hi))).toBe(true);
      }),
    );
  });
});

describe('group_latency window', () => {
  const naive = (values: number[], window: number, p: number) => {
    const last = values.slice(-window).sort((x, y) => x - y);
    return last[Math.min(last.length - 1, Math.max(0, Math.ceil((p / 100) * last.length) - 1))];
  };

  it('answers the nearest-rank percentile of the last `window` durations, once `minTraces` were seen', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 100 }),
        (durations, window, percentile) => {
          const minTraces = Math.min(window, 5);
          const g = new GroupLatency({ percentile, minTraces, window });
          durations.forEach((d, i) => {
            const seen = durations.slice(0, i);
            const expected = Math.min(seen.length, window) >= minTraces ? naive(seen, window, percentile) : undefined;
            expect(g.percentileOf('k')).toBe(expected);
            g.record('k', d);
          });
        },
      ),
    );
  });

  it('keeps groups apart and forgets the least recently used past maxGroups', () => {
    const g = new GroupLatency({ percentile: 50, minTraces: 1, window: 10, maxGroups: 2 });
    g.record('a', 100);
    g.record('b', 200);
    g.record('a', 100);
    g.record('c', 300);
    expect(g.size).toBe(2);
    expect(g.percentileOf('a')).toBe(100);
    expect(g.percentileOf('b')).toBeUndefined();
    expect(g.percentileOf('c')).toBe(300);
  });
});

describe('decision cache', () => {
  it('remembers at most maxSize decisions, the oldest forgotten first', () => {
    const c = new DecisionCache(3);
    ['a', 'b', 'c', 'd'].forEach((id, i) => c.set(id, i % 2 === 0));
    expect(c.size).toBe(3);
    expect([c.get('a'), c.get('b'), c.get('c'), c.get('d')]).toEqual([undefined, false, true, false]);
  });
});
