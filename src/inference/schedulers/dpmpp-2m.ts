/**
 * DPM++ 2M (diffusers `DPMSolverMultistepScheduler` with solver_order 2, algorithm_type
 * dpmsolver++, solver_type midpoint, lower_order_final, final sigma 0). The sampler name fixes
 * those choices; the config's beta schedule, spacing, prediction type and Karras flag apply.
 */
import { DiffscopeError } from '../../errors/index.js';
import {
  discreteSigmas,
  sigmaAlphasCumprod,
  interpUnit,
  karrasSigmas,
  logF32,
  npArange,
  npLinspace,
  PingPong,
  roundHalfEven,
  sigmaToT,
  torchExpF32,
} from './schedule-math.js';
import type { Scheduler, SchedulerConfig } from './scheduler.js';

// A module-local alias: a call through an imported binding can cost a getter under some loaders.
const f32 = Math.fround;

function dpmTimesteps(config: SchedulerConfig, n: number): Float64Array {
  const T = config.num_train_timesteps;
  // lambda_min_clipped is -inf in every config we accept, so the last timestep is T.
  const last = T;
  if (config.timestep_spacing === 'linspace') {
    const lin = npLinspace(0, last - 1, n + 1);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = roundHalfEven(lin[n - i]);
    return out;
  }
  if (config.timestep_spacing === 'leading') {
    const ratio = Math.floor(last / (n + 1));
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (n - i) * ratio + config.steps_offset;
    return out;
  }
  const ar = npArange(last, 0, -T / n);
  const out = new Float64Array(ar.length);
  for (let i = 0; i < ar.length; i++) out[i] = roundHalfEven(ar[i]) - 1;
  return out;
}

export class DpmSolver2mScheduler implements Scheduler {
  readonly timesteps: Float64Array;
  readonly sigmas: Float64Array;
  readonly initNoiseSigma = 1;
  private readonly config: SchedulerConfig;
  private readonly out = new PingPong();
  private prevX0 = new Float32Array(0);
  private curX0 = new Float32Array(0);
  private lowerOrderNums = 0;

  constructor(config: SchedulerConfig, numInferenceSteps: number, karras: boolean) {
    this.config = config;
    const T = config.num_train_timesteps;
    if (numInferenceSteps > T) {
      throw new DiffscopeError('DSC_ERR_INFER_BAD_PARAMS', `steps (${numInferenceSteps}) cannot exceed num_train_timesteps (${T})`, {
        field: 'steps',
      });
    }
    const trainSigmas = discreteSigmas(sigmaAlphasCumprod(config));
    let timesteps = dpmTimesteps(config, numInferenceSteps);
    let sig: Float64Array;
    if (karras) {
      sig = karrasSigmas(trainSigmas[0], trainSigmas[T - 1], numInferenceSteps);
      const logSigmas = logF32(trainSigmas);
      timesteps = new Float64Array(sig.length);
      const round = config.beta_schedule !== 'squaredcos_cap_v2';
      // Unrounded values are cast to int64 by diffusers, which truncates.
      for (let i = 0; i < sig.length; i++) {
        const t = sigmaToT(sig[i], logSigmas);
        timesteps[i] = round ? roundHalfEven(t) : Math.trunc(t);
      }
    } else {
      sig = new Float64Array(timesteps.length);
      for (let i = 0; i < timesteps.length; i++) sig[i] = interpUnit(timesteps[i], trainSigmas);
    }
    this.timesteps = timesteps;
    this.sigmas = new Float64Array(sig.length + 1);
    for (let i = 0; i < sig.length; i++) this.sigmas[i] = f32(sig[i]);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array): Float32Array {
    const len = sample.length;
    if (index === 0) this.lowerOrderNums = 0;
    if (this.curX0.length !== len) {
      this.curX0 = new Float32Array(len);
      this.prevX0 = new Float32Array(len);
    }
    // Rotate history: the older x0 buffer is overwritten with this step's x0.
    const older = this.prevX0;
    this.prevX0 = this.curX0;
    this.curX0 = older;
    const x0 = this.curX0;

    const sigmaS0 = this.sigmas[index];
    const alphaS0 = f32(1 / f32(Math.sqrt(f32(f32(sigmaS0 * sigmaS0) + 1))));
    const sigS0 = f32(sigmaS0 * alphaS0);
    const pred = this.config.prediction_type;
    for (let i = 0; i < len; i++) {
      const s = sample[i];
      const m = modelOutput[i];
      x0[i] = pred === 'epsilon' ? f32(s - f32(sigS0 * m)) / alphaS0 : pred === 'v_prediction' ? f32(alphaS0 * s) - f32(sigS0 * m) : m;
    }

    const sigmaT = this.sigmas[index + 1];
    const alphaT = f32(1 / f32(Math.sqrt(f32(f32(sigmaT * sigmaT) + 1))));
    const sigT = f32(sigmaT * alphaT);
    const lambdaT = f32(f32(Math.log(alphaT)) - f32(Math.log(sigT)));
    const lambdaS0 = f32(f32(Math.log(alphaS0)) - f32(Math.log(sigS0)));
    const h = f32(lambdaT - lambdaS0);
    const c1 = f32(sigT / sigS0);
    const c2 = f32(alphaT * f32(torchExpF32(-h) - 1));
    const out = this.out.next(len);
    const lowerOrderFinal = index === this.timesteps.length - 1;
    if (this.lowerOrderNums < 1 || lowerOrderFinal) {
      for (let i = 0; i < len; i++) out[i] = f32(c1 * sample[i]) - f32(c2 * x0[i]);
    } else {
      const sigmaS1 = this.sigmas[index - 1];
      const alphaS1 = f32(1 / f32(Math.sqrt(f32(f32(sigmaS1 * sigmaS1) + 1))));
      const sigS1 = f32(sigmaS1 * alphaS1);
      const lambdaS1 = f32(f32(Math.log(alphaS1)) - f32(Math.log(sigS1)));
      const h0 = f32(lambdaS0 - lambdaS1);
      const invR0 = f32(1 / f32(h0 / h));
      const c3 = f32(0.5 * c2);
      const m1 = this.prevX0;
      for (let i = 0; i < len; i++) {
        const d1 = f32(invR0 * f32(x0[i] - m1[i]));
        out[i] = f32(f32(c1 * sample[i]) - f32(c2 * x0[i])) - f32(c3 * d1);
      }
    }
    if (this.lowerOrderNums < 2) this.lowerOrderNums++;
    return out;
  }
}
