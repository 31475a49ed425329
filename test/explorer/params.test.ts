import { describe, expect, it } from 'vitest';
import {
  BadParamError,
  normalizeTraceId,
  parseGoDurationUs,
  parseLookbackUs,
  parseTags,
  parseTimeUs,
} from '../../src/explorer/api/params.js';
import { ftsQuery } from '../../src/explorer/store/log-queries.js';
import { percentile } from '../../src/explorer/api/analysis.js';

describe('parseGoDurationUs', () => {
  it.each([
    ['100ms', 100_000],
    ['1.2s', 1_200_000],
    ['1h30m', 5_400_000_000],
    ['250us', 250],
    ['250µs', 250],
    ['1500ns', 2],
    ['0', 0],
    ['.5s', 500_000],
    ['2m3.5s', 123_500_000],
  ])('%s → %d µs', (input, us) => expect(parseGoDurationUs(input)).toBe(us));
  it.each(['', '10', 'fast', '1.2', 's', '1x', '1s junk'])('rejects %j', (input) =>
    expect(() => parseGoDurationUs(input)).toThrow(BadParamError),
  );
});

describe('parseTags', () => {
  it('reads JSON objects (Jaeger UI, Grafana)', () => {
    expect(parseTags('{"error":"true","http.status_code":500}')).toEqual({ error: 'true', 'http.status_code': '500' });
  });
  it('reads logfmt, quoted values and the old key:value form', () => {
    expect(parseTags('error=true a.b="x y" c=\'\' d:4')).toEqual({ error: 'true', 'a.b': 'x y', c: "''", d: '4' });
    expect(parseTags('msg="say \\"hi\\""')).toEqual({ msg: 'say "hi"' });
  });
  it('merges repeated parameters and rejects garbage', () => {
    expect(parseTags(['a=1', '{"b":"2"}'])).toEqual({ a: '1', b: '2' });
    expect(parseTags(undefined)).toEqual({});
    expect(() => parseTags('{nope')).toThrow(BadParamError);
    expect(() => parseTags('["a"]')).toThrow(BadParamError);
    expect(() => parseTags('just words')).toThrow(BadParamError);
  });
});

describe('other parameters', () => {
  it('lookback, times and trace ids', () => {
    expect(parseLookbackUs('2d')).toBe(2 * 24 * 3600e6);
    expect(parseLookbackUs('1h')).toBe(3600e6);
    expect(parseLookbackUs('custom')).toBeUndefined();
    expect(parseTimeUs('1700000000000000', 'start')).toBe(1700000000000000);
    expect(parseTimeUs('2026-01-01T00:00:00Z', 'start')).toBe(Date.parse('2026-01-01T00:00:00Z') * 1000);
    expect(() => parseTimeUs('yesterday', 'start')).toThrow(BadParamError);
    expect(normalizeTraceId('ABC')).toBe('0'.repeat(29) + 'abc');
    expect(normalizeTraceId('x'.repeat(3))).toBeUndefined();
    expect(normalizeTraceId('a'.repeat(33))).toBeUndefined();
  });
  it('full-text queries quote every term', () => {
    expect(ftsQuery('checksum mismatch!! "(')).toBe('"checksum" "mismatch"');
    expect(ftsQuery('NEAR(a b) OR *')).toBe('"NEAR" "a" "b" "OR"');
    expect(ftsQuery('!!!')).toBeUndefined();
  });
  it('nearest-rank percentiles', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(10);
    expect(percentile(xs, 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});
