/**
 * Seeded Gaussian noise, identical bit for bit on every run with the same seed.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 32-bit, state seeded by SplitMix32 from the seed's
 * low and high 32-bit words (seeds are integers in [0, 2^53)). Normal variates: Box–Muller on
 * 53-bit uniforms built from two outputs, computed in float64, both the cosine and the sine
 * value used, then rounded to float32. Only integer ops and Math.log/sqrt/cos/sin (V8's fdlibm
 * port) are involved, so the stream is the same on every machine running the same Node.
 *
 * Image k of a request with seed s uses its own generator seeded with s + k, for the initial
 * noise and for the per-step noise of stochastic samplers alike — so image k of n equals the
 * single image of a request with seed s + k.
 */

const TWO_PI = 2 * Math.PI;
const TWO_POW_53 = 9007199254740992;

function splitMix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export class GaussianNoise {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53), got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let st = lo ^ Math.imul(hi, 0x27d4eb2d);
    let v: number;
    [st, v] = splitMix32(st);
    this.s0 = v;
    [st, v] = splitMix32(st ^ hi);
    this.s1 = v;
    [st, v] = splitMix32(st);
    this.s2 = v;
    [, v] = splitMix32(st);
    this.s3 = v;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uint32 (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat64(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  nextGaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = 1 - this.nextFloat64(); // (0, 1]: log never sees 0
    const u2 = this.nextFloat64();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = TWO_PI * u2;
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }

  /** Fill `out[offset .. offset+length)` with N(0, 1) samples (rounded to float32 by the array). */
  fill(out: Float32Array, offset = 0, length = out.length - offset): void {
    const end = offset + length;
    for (let i = offset; i < end; i++) out[i] = this.nextGaussian();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
