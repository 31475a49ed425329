/** Euler ancestral (diffusers `EulerAncestralDiscreteScheduler`): Euler to sigma_down, then noise * sigma_up. */
import { DiffscopeError } from '../../errors/index.js';
import { EulerSigmaScheduler } from './euler-sigmas.js';
import type { SchedulerConfig } from './scheduler.js';

// A module-local alias: a call through an imported binding can cost a getter under some loaders.
const f32 = Math.fround;

export class EulerAncestralScheduler extends EulerSigmaScheduler {
  constructor(config: SchedulerConfig, numInferenceSteps: number) {
    if (config.prediction_type === 'sample') {
      // diffusers raises NotImplementedError for this combination too.
      throw new DiffscopeError('DSC_ERR_MODEL_INVALID', 'euler_a does not support prediction_type "sample"');
    }
    super(config, numInferenceSteps, false);
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: () => Float32Array): Float32Array {
    const sigma = this.sigmas[index];
    const to = this.sigmas[index + 1];
    const to2 = f32(to * to);
    const from2 = f32(sigma * sigma);
    const up = f32(Math.sqrt(f32(f32(to2 * f32(from2 - to2)) / from2)));
    const down = f32(Math.sqrt(f32(to2 - f32(up * up))));
    const dt = f32(down - sigma);
    const eps = this.config.prediction_type === 'epsilon';
    const vOut = f32(-sigma / f32(Math.sqrt(f32(from2 + 1))));
    const vIn = f32(from2 + 1);
    // diffusers draws the noise on every step, the last included.
    const z = noise();
    const out = this.out.next(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const s = sample[i];
      const m = modelOutput[i];
      const x0 = eps ? f32(s - f32(sigma * m)) : f32(f32(m * vOut) + f32(s / vIn));
      const derivative = f32(f32(s - x0) / sigma);
      out[i] = f32(s + f32(derivative * dt)) + f32(z[i] * up);
    }
    return out;
  }
}
