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

/** `torch.linspace(start, end, steps, dtype=float32)`, CPU scalar kernel (both halves anchored at an end). */
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
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? f32(a + f32(step * i)) : f32(b - f32(step * (steps - i - 1)));
  }
  return out;
}

/** diffusers' `betas_for_alpha_bar` (cosine): Python doubles, then `torch.tensor(..., float32)`. */
function cosineBetas(n: number, maxBeta = 0.999): Float32Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), maxBeta);
  }
  return out;
}

/** Betas exactly as diffusers builds them (float32). */
export function makeBetas(config: SchedulerConfig): Float32Array {
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
export function spacedTimesteps(spacing: TimestepSpacing, numTrain: number, n: number, stepsOffset: number, roundLinspace: boolean): Float64Array {
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
