/** The seeded Gaussian generator: a fixed stream per seed (pinned values), sane statistics. */
import { describe, expect, it } from 'vitest';
import { GaussianNoise } from '../../src/inference/index.js';

function draw(seed: number, n: number): Float32Array {
  const out = new Float32Array(n);
  new GaussianNoise(seed).fill(out);
  return out;
}

describe('GaussianNoise', () => {
  it('is a pure function of the seed (pinned first values guard against accidental changes)', () => {
    expect(Array.from(draw(42, 4))).toEqual([1.1226592063903809, 0.9491474628448486, 0.4041278660297394, 0.03873744234442711]);
    expect(draw(7, 1000)).toEqual(draw(7, 1000));
  });

  it('different seeds, including ones above 2^32, give different streams', () => {
    const a = draw(1, 16);
    expect(draw(2, 16)).not.toEqual(a);
    expect(draw(2 ** 32 + 1, 16)).not.toEqual(a);
    expect(draw(Number.MAX_SAFE_INTEGER, 16).every(Number.isFinite)).toBe(true);
  });

  it('fills with mean ≈ 0 and variance ≈ 1', () => {
    const x = draw(123, 200_000);
    let mean = 0;
    for (const v of x) mean += v;
    mean /= x.length;
    let variance = 0;
    for (const v of x) variance += (v - mean) ** 2;
    variance /= x.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });

  it('fill(offset, length) continues the same stream', () => {
    const whole = draw(9, 10);
    const g = new GaussianNoise(9);
    const parts = new Float32Array(10);
    g.fill(parts, 0, 3);
    g.fill(parts, 3, 7);
    expect(parts).toEqual(whole);
  });

  it('rejects seeds that are not non-negative safe integers', () => {
    expect(() => new GaussianNoise(-1)).toThrow(RangeError);
    expect(() => new GaussianNoise(1.5)).toThrow(RangeError);
  });
});
