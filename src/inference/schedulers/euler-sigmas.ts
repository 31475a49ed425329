/**
 * What Euler and Euler ancestral share: timesteps and sigmas of diffusers' `EulerDiscreteScheduler.set_timesteps` (also what
 * `EulerAncestralDiscreteScheduler` computes, minus Karras): float32 timesteps, sigmas
 * interpolated in float64 over the float32 training sigmas, then cast to float32; and
 * `scale_model_input`. Each keeps its own step (euler.ts, euler-ancestral.ts), as diffusers does.
 */
import { discreteSigmas, sigmaAlphasCumprod, interpUnit, karrasSigmas, logF32, sigmaToT, spacedTimesteps } from './schedule-math.js';
import { PingPong } from './schedule-math.js';
import type { Scheduler, SchedulerConfig } from './scheduler.js';

// A module-local alias: a call through an imported binding can cost a getter under some loaders.
const f32 = Math.fround;

export interface EulerSchedule {
  timesteps: Float64Array;
  sigmas: Float64Array;
  initNoiseSigma: number;
}

export function eulerSchedule(config: SchedulerConfig, n: number, karras: boolean): EulerSchedule {
  const trainSigmas = discreteSigmas(sigmaAlphasCumprod(config));
  let timesteps: Float64Array = spacedTimesteps(config.timestep_spacing, config.num_train_timesteps, n, config.steps_offset, false);
  for (let i = 0; i < timesteps.length; i++) timesteps[i] = f32(timesteps[i]);
  let sig: Float64Array = new Float64Array(timesteps.length);
  for (let i = 0; i < timesteps.length; i++) sig[i] = interpUnit(timesteps[i], trainSigmas);
  if (karras) {
    sig = karrasSigmas(sig[sig.length - 1], sig[0], n);
    const logSigmas = logF32(trainSigmas);
    timesteps = new Float64Array(sig.length);
    for (let i = 0; i < sig.length; i++) timesteps[i] = f32(sigmaToT(sig[i], logSigmas));
  }
  const sigmas = new Float64Array(sig.length + 1);
  let max = 0;
  for (let i = 0; i < sig.length; i++) {
    sigmas[i] = f32(sig[i]);
    if (sigmas[i] > max) max = sigmas[i];
  }
  sigmas[sig.length] = 0;
  const spacing = config.timestep_spacing;
  const initNoiseSigma = spacing === 'linspace' || spacing === 'trailing' ? max : f32(Math.sqrt(f32(f32(max * max) + 1)));
  return { timesteps, sigmas, initNoiseSigma };
}

/** `sample / (sigma**2 + 1) ** 0.5` with the float32 divisor torch uses. */
export function scaleBySigma(sample: Float32Array, sigma: number, out: Float32Array): Float32Array {
  const d = f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
  for (let i = 0; i < sample.length; i++) out[i] = sample[i] / d;
  return out;
}

/** A scheduler over the Euler sigmas: the schedule, `scale_model_input` and the step's output buffers. */
export abstract class EulerSigmaScheduler implements Scheduler {
  readonly timesteps: Float64Array;
  readonly sigmas: Float64Array;
  readonly initNoiseSigma: number;
  private scaled = new Float32Array(0);
  /** Two buffers in turn: a step's output is the next step's input. */
  protected readonly out = new PingPong();

  constructor(
    protected readonly config: SchedulerConfig,
    numInferenceSteps: number,
    karras: boolean,
  ) {
    const s = eulerSchedule(config, numInferenceSteps, karras);
    this.timesteps = s.timesteps;
    this.sigmas = s.sigmas;
    this.initNoiseSigma = s.initNoiseSigma;
  }

  scaleModelInput(sample: Float32Array, index: number): Float32Array {
    if (this.scaled.length !== sample.length) this.scaled = new Float32Array(sample.length);
    return scaleBySigma(sample, this.sigmas[index], this.scaled);
  }

  abstract step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: () => Float32Array): Float32Array;
}
