/**
 * LCM (diffusers `LCMScheduler`, strength 1): timesteps picked from the `original_inference_steps`
 * grid; each step returns the consistency-boundary denoised sample re-noised to the next timestep
 * (no noise after the last).
 */
import { DiffscopeError } from '../../errors/index.js';
import { makeAlphasCumprod, makeBetas, npLinspace, PingPong } from './schedule-math.js';
import type { Scheduler, SchedulerConfig } from './scheduler.js';

// A module-local alias: a call through an imported binding can cost a getter under some loaders.
const f32 = Math.fround;

export class LcmScheduler implements Scheduler {
  readonly timesteps: Float64Array;
  readonly initNoiseSigma = 1;
  private readonly alphasCumprod: Float32Array;
  private readonly finalAlphaCumprod: number;
  private readonly out = new PingPong();

  constructor(
    private readonly config: SchedulerConfig,
    numInferenceSteps: number,
  ) {
    const T = config.num_train_timesteps;
    const original = config.original_inference_steps;
    if (numInferenceSteps > T || numInferenceSteps > original) {
      throw new DiffscopeError(
        'DSC_ERR_INFER_BAD_PARAMS',
        `lcm supports at most ${Math.min(T, original)} steps (original_inference_steps), got ${numInferenceSteps}`,
        { field: 'steps' },
      );
    }
    this.alphasCumprod = makeAlphasCumprod(makeBetas(config));
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0];
    const k = Math.floor(T / original);
    // lcm_origin_timesteps reversed: original*k - 1, ..., k - 1
    const idx = npLinspace(0, original, numInferenceSteps + 1);
    this.timesteps = new Float64Array(numInferenceSteps);
    for (let i = 0; i < numInferenceSteps; i++) {
      // np.linspace(0, len, n, endpoint=False) == the first n points of linspace(0, len, n + 1)
      const j = Math.floor(idx[i]);
      this.timesteps[i] = (original - j) * k - 1;
    }
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: () => Float32Array): Float32Array {
    const cfg = this.config;
    const n = this.timesteps.length;
    const t = this.timesteps[index];
    const prevT = index + 1 < n ? this.timesteps[index + 1] : t;
    const alphaProdT = this.alphasCumprod[t];
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[prevT] : this.finalAlphaCumprod;
    const sqrtA = f32(Math.sqrt(alphaProdT));
    const sqrtB = f32(Math.sqrt(f32(1 - alphaProdT)));
    const scaled = f32(f32(t) * f32(cfg.timestep_scaling));
    const denom = f32(f32(scaled * scaled) + 0.25);
    const cSkip = f32(0.25 / denom);
    const cOut = f32(scaled / f32(Math.sqrt(denom)));
    const clip = cfg.clip_sample;
    const range = cfg.clip_sample_range;
    const pred = cfg.prediction_type;
    const last = index === n - 1;
    const z = last ? null : noise();
    const sqrtAPrev = f32(Math.sqrt(alphaProdPrev));
    const sqrtBPrev = f32(Math.sqrt(f32(1 - alphaProdPrev)));
    const out = this.out.next(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const s = sample[i];
      const m = modelOutput[i];
      let x0 =
        pred === 'epsilon' ? f32(f32(s - f32(sqrtB * m)) / sqrtA) : pred === 'v_prediction' ? f32(f32(sqrtA * s) - f32(sqrtB * m)) : m;
      if (clip) x0 = x0 < -range ? f32(-range) : x0 > range ? f32(range) : x0;
      const denoised = f32(f32(cOut * x0) + f32(cSkip * s));
      out[i] = z === null ? denoised : f32(sqrtAPrev * denoised) + f32(sqrtBPrev * z[i]);
    }
    return out;
  }
}
