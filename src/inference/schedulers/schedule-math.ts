/**
 * Schedule math shared by the samplers, written to reproduce diffusers' numbers: where diffusers
 * computes with torch float32 we round every operation with Math.fround; where it uses numpy
 * float64 we compute in doubles and mirror numpy's own formulas (linspace, arange, interp, rint).
 */
import type { SchedulerConfig, TimestepSpacing } from './scheduler.js';

export const f32 = Math.fround;

/** numpy's `round`/`rint`: halves go to the even neighbour (Math.round sends them up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

/** `np.linspace(start, stop, num)` in float64, same formula as numpy (i*step + start, last = stop). */
export function npLinspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    if (step === 0) {
      for (let i = 0; i < num; i++) out[i] = (i / div) * delta + start;
    } else {
      for (let i = 0; i < num; i++) out[i] = i * step + start;
    }
    out[num - 1] = stop;
  } else if (num === 1) {
    out[0] = start;
  }
  return out;
}

/** `np.arange(start, stop, step)` for float steps: first value start, then start + i*(start+step-start). */
export function npArange(start: number, stop: number, step: number): Float64Array {
  const len = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(len);
  if (len > 0) out[0] = start;
  if (len > 1) out[1] = start + step;
  const delta = start + step - start;
  for (let i = 2; i < len; i++) out[i] = start + i * delta;
  return out;
}

const f32Bits = new Float32Array(1);
const i32Bits = new Int32Array(f32Bits.buffer);

/** The float32 next to `r` (itself a float32) in the direction of `toward`. */
function nextF32(r: number, toward: number): number {
  if (r === 0) return toward > 0 ? 1.401298464324817e-45 : -1.401298464324817e-45;
  f32Bits[0] = r;
  i32Bits[0] += toward > r === r > 0 ? 1 : -1;
  return f32Bits[0];
}

/**
 * Single-rounding float32 `x * k + z` (a fused multiply-add) for float32 operands: their product
 * is exact in a double (24 + 24 bits). The double sum is rounded once more to float32, so
 * a sum landing exactly halfway between two float32s is resolved with the sum's rounding error.
 */
export function fmaF32(x: number, k: number, z: number): number {
  const p = x * k;
  const s = p + z;
  const bb = s - p;
  const err = p - (s - bb) + (z - bb);
  const r = f32(s);
  if (err === 0 || r === s) return r;
  const other = nextF32(r, s);
  if (Math.abs(s - r) !== Math.abs(other - s)) return r;
  return err > 0 === other > r ? other : r;
}

const R_LN2F = f32(Math.LOG2E); // 1/ln 2, the double nearest C's long literal for it
const L2UF = f32(0.693145751953125);
const L2LF = f32(1.428606765330187045e-6);
const EXP_POLY = [
  0.00139304355252534151077271, 0.00833336077630519866943359, 0.0416664853692054748535156, 0.166666671633720397949219, 0.5,
].map(f32);

/**
 * `torch.exp` of a float32 tensor on the CPU: SLEEF's `expf` (u10, FMA variant), which is not
 * correctly rounded, so Math.exp differs in the last bit for about 9 % of inputs. Checked bit for
 * bit against torch 1.13 on 1,500 values in [-10, 3].
 */
export function torchExpF32(x: number): number {
  const d = f32(x);
  if (d < -104) return 0;
  if (d > 104) return Infinity;
  const q = roundHalfEven(f32(d * R_LN2F));
  let s = fmaF32(q, -L2UF, d);
  s = fmaF32(q, -L2LF, s);
  let u = f32(0.000198527617612853646278381);
  for (const c of EXP_POLY) u = fmaF32(u, s, c);
  u = f32(1 + fmaF32(f32(s * s), u, s));
  return f32(u * 2 ** q);
}

/**
 * `torch.linspace(start, end, steps, dtype=float32)` as torch 1.13's CPU kernel computes it: blocks of
 * 8 lanes (two at a time) whose base `start + step*idx` (or `end - step*(steps-idx-1)` past halfway)
 * the compiler fuses into an FMA, lanes `base + j*step` unfused, and a fused scalar tail. Checked
 * bit for bit against torch for the schedules in the fixtures.
 */
function torchLinspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const a = f32(start);
  const b = f32(end);
  const step = f32(f32(b - a) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  const lanes = 8;
  const vectorEnd = Math.floor(steps / (2 * lanes)) * 2 * lanes;
  for (let blk = 0; blk < vectorEnd; blk += lanes) {
    const base = blk < halfway ? fmaF32(step, blk, a) : fmaF32(-step, steps - blk - 1, b);
    for (let j = 0; j < lanes; j++) out[blk + j] = f32(base + f32(j * step));
  }
  for (let i = vectorEnd; i < steps; i++) {
    out[i] = i < halfway ? fmaF32(step, i, a) : fmaF32(-step, steps - i - 1, b);
  }
  return out;
}

/** diffusers' `betas_for_alpha_bar` (cosine): Python doubles, then `torch.tensor(..., float32)`. */
function cosineBetas(n: number, maxBeta = 0.999): Float32Array {
  const alphaBar = (t: number): number => Math.cos((((t + 0.008) / 1.008) * Math.PI) / 2) ** 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), maxBeta);
  }
  return out;
}

/** Betas exactly as diffusers builds them (float32), zero-terminal-SNR rescaling included. */
export function makeBetas(config: SchedulerConfig): Float32Array {
  const betas = scheduleBetas(config);
  return config.rescale_betas_zero_snr ? rescaleZeroTerminalSnr(betas) : betas;
}

/**
 * diffusers' `rescale_zero_terminal_snr` (Lin et al. 2023, Algorithm 1) in torch float32:
 * shift and scale sqrt(alphas_cumprod) so the last timestep has zero SNR, then back to betas.
 */
function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const n = betas.length;
  const sqrtBar = makeAlphasCumprod(betas);
  for (let i = 0; i < n; i++) sqrtBar[i] = Math.sqrt(sqrtBar[i]);
  const first = sqrtBar[0];
  const last = sqrtBar[n - 1];
  const scale = f32(first / f32(first - last));
  for (let i = 0; i < n; i++) {
    const v = f32(f32(sqrtBar[i] - last) * scale);
    sqrtBar[i] = f32(v * v);
  }
  const out = new Float32Array(n);
  out[0] = f32(1 - sqrtBar[0]);
  for (let i = 1; i < n; i++) out[i] = f32(1 - f32(sqrtBar[i] / sqrtBar[i - 1]));
  return out;
}

function scheduleBetas(config: SchedulerConfig): Float32Array {
  if (config.trained_betas != null) return Float32Array.from(config.trained_betas);
  const n = config.num_train_timesteps;
  switch (config.beta_schedule) {
    case 'linear':
      return torchLinspaceF32(config.beta_start, config.beta_end, n);
    case 'scaled_linear': {
      const r = torchLinspaceF32(config.beta_start ** 0.5, config.beta_end ** 0.5, n);
      for (let i = 0; i < n; i++) r[i] = f32(r[i] * r[i]);
      return r;
    }
    case 'squaredcos_cap_v2':
      return cosineBetas(n);
  }
}

/** `torch.cumprod(1 - betas)`: torch accumulates in double on the CPU and stores float32. */
export function makeAlphasCumprod(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= f32(1 - betas[i]);
    out[i] = acc;
  }
  return out;
}

/**
 * `alphas_cumprod` for the sigma-based samplers (Euler, Euler a, DPM++): with zero-terminal-SNR
 * rescaling diffusers pins the last value to 2**-24 so the largest sigma stays finite.
 */
export function sigmaAlphasCumprod(config: SchedulerConfig): Float32Array {
  const ac = makeAlphasCumprod(makeBetas(config));
  if (config.rescale_betas_zero_snr) ac[ac.length - 1] = 2 ** -24;
  return ac;
}

/** `((1 - alphas_cumprod) / alphas_cumprod) ** 0.5` in torch float32, ascending in t. */
export function discreteSigmas(alphasCumprod: Float32Array): Float32Array {
  const out = new Float32Array(alphasCumprod.length);
  for (let i = 0; i < out.length; i++) {
    const a = alphasCumprod[i];
    out[i] = Math.sqrt(f32(f32(1 - a) / a));
  }
  return out;
}

/** `np.interp(x, arange(len(fp)), fp)` with numpy's formula (slope * (x - xj) + fp[j]). */
export function interpUnit(x: number, fp: ArrayLike<number>): number {
  const n = fp.length;
  if (x <= 0) return fp[0];
  if (x >= n - 1) return fp[n - 1];
  const j = Math.floor(x);
  if (x === j) return fp[j];
  const slope = fp[j + 1] - fp[j];
  return slope * (x - j) + fp[j];
}

/** `np.log` of a float32 array (float32 result). */
export function logF32(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.log(values[i]);
  return out;
}

/** diffusers' `_convert_to_karras` (rho 7, float64). */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number): Float64Array {
  const rho = 7.0;
  const ramp = npLinspace(0, 1, n);
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (maxInv + ramp[i] * (minInv - maxInv)) ** rho;
  return out;
}

/**
 * diffusers' `_sigma_to_t`: fractional training timestep of `sigma` by log-sigma interpolation.
 * With numpy 1.x (value-based casting) the float64 log of `sigma` meets the float32 `log_sigmas`
 * array and the arithmetic happens in float32; only the final weighting is float64.
 */
export function sigmaToT(sigma: number, logSigmas: Float32Array): number {
  const logSigma = f32(Math.log(Math.max(sigma, 1e-10)));
  // argmax(cumsum(dists >= 0)) on an ascending table is the last index with logSigmas[i] <= logSigma.
  let count = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma >= logSigmas[i]) count = i + 1;
  const lowIdx = Math.min(Math.max(count - 1, 0), logSigmas.length - 2);
  const low = logSigmas[lowIdx];
  const high = logSigmas[lowIdx + 1];
  let w = f32(f32(low - logSigma) / f32(low - high));
  w = Math.min(Math.max(w, 0), 1);
  return f32(1 - w) * lowIdx + w * (lowIdx + 1);
}

/**
 * Integer timesteps as DDIM (and the Euler family before its float32 cast) space them:
 * `leading` `arange(n) * (T // n) + offset`, `trailing` `round(arange(T, 0, -T/n)) - 1`,
 * `linspace` `round(linspace(0, T-1, n))`, all descending.
 */
export function spacedTimesteps(
  spacing: TimestepSpacing,
  numTrain: number,
  n: number,
  stepsOffset: number,
  roundLinspace: boolean,
): Float64Array {
  let out: Float64Array;
  if (spacing === 'linspace') {
    const lin = npLinspace(0, numTrain - 1, n);
    out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = roundLinspace ? roundHalfEven(lin[n - 1 - i]) : f32(lin[n - 1 - i]);
  } else if (spacing === 'leading') {
    const ratio = Math.floor(numTrain / n);
    out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (n - 1 - i) * ratio + stepsOffset;
  } else {
    const ar = npArange(numTrain, 0, -numTrain / n);
    out = new Float64Array(ar.length);
    for (let i = 0; i < ar.length; i++) out[i] = roundHalfEven(ar[i]) - 1;
  }
  return out;
}

/** Two buffers used alternately, so a step's result never aliases the sample it was given. */
export class PingPong {
  private a = new Float32Array(0);
  private b = new Float32Array(0);
  private flip = false;

  next(length: number): Float32Array {
    this.flip = !this.flip;
    if (this.flip) {
      if (this.a.length !== length) this.a = new Float32Array(length);
      return this.a;
    }
    if (this.b.length !== length) this.b = new Float32Array(length);
    return this.b;
  }
}
