/**
 * DDIM (diffusers `DDIMScheduler`, eta 0). Scalars come from the float32 `alphas_cumprod`
 * table and are combined with float32 rounding, as torch does with 0-d float32 tensors.
 */
import { DiffscopeError } from '../../errors/index.js';
import { makeAlphasCumprod, makeBetas, PingPong, spacedTimesteps } from './schedule-math.js';
import type { Scheduler, SchedulerConfig } from './scheduler.js';

// A module-local alias: a call through an imported binding can cost a getter under some loaders.
const f32 = Math.fround;

export class DdimScheduler implements Scheduler {
  readonly timesteps: Float64Array;
  readonly initNoiseSigma = 1;
  private readonly alphasCumprod: Float32Array;
  private readonly finalAlphaCumprod: number;
  private readonly stepRatio: number;
  private readonly out = new PingPong();

  constructor(
    private readonly config: SchedulerConfig,
    numInferenceSteps: number,
  ) {
    const T = config.num_train_timesteps;
    if (numInferenceSteps > T) {
      throw new DiffscopeError('DSC_ERR_INFER_BAD_PARAMS', `steps (${numInferenceSteps}) cannot exceed num_train_timesteps (${T})`, {
        field: 'steps',
      });
    }
    this.alphasCumprod = makeAlphasCumprod(makeBetas(config));
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0];
    this.timesteps = spacedTimesteps(config.timestep_spacing, T, numInferenceSteps, config.steps_offset, true);
    // diffusers steps back by T // n whatever the spacing, so trailing/linspace may skip or repeat.
    this.stepRatio = Math.floor(T / numInferenceSteps);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array): Float32Array {
    const t = this.timesteps[index];
    const prevT = t - this.stepRatio;
    const alphaProdT = this.alphasCumprod[t];
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[prevT] : this.finalAlphaCumprod;
    const betaProdT = f32(1 - alphaProdT);
    const sqrtA = f32(Math.sqrt(alphaProdT));
    const sqrtB = f32(Math.sqrt(betaProdT));
    const sqrtAPrev = f32(Math.sqrt(alphaProdPrev));
    // eta = 0: std_dev_t = 0, so the direction coefficient is sqrt(1 - alpha_prev).
    const dirCoef = f32(Math.sqrt(f32(1 - alphaProdPrev)));
    const cfg = this.config;
    const clip = cfg.clip_sample;
    const range = cfg.clip_sample_range;
    const reclip = cfg.use_clipped_model_output;
    const pred = cfg.prediction_type;
    const out = this.out.next(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const s = sample[i];
      const m = modelOutput[i];
      let x0: number;
      let eps: number;
      if (pred === 'epsilon') {
        x0 = f32(f32(s - f32(sqrtB * m)) / sqrtA);
        eps = m;
      } else if (pred === 'v_prediction') {
        x0 = f32(f32(sqrtA * s) - f32(sqrtB * m));
        eps = f32(f32(sqrtA * m) + f32(sqrtB * s));
      } else {
        x0 = m;
        eps = f32(f32(s - f32(sqrtA * x0)) / sqrtB);
      }
      if (clip) x0 = x0 < -range ? f32(-range) : x0 > range ? f32(range) : x0;
      if (reclip) eps = f32(f32(s - f32(sqrtA * x0)) / sqrtB);
      out[i] = f32(sqrtAPrev * x0) + f32(dirCoef * eps);
    }
    return out;
  }
}
