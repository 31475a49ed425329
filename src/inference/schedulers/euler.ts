/** Euler (diffusers `EulerDiscreteScheduler`, s_churn 0, final sigma 0). */
import { EulerSigmaScheduler } from './euler-sigmas.js';

// A module-local alias: a call through an imported binding can cost a getter under some loaders.
const f32 = Math.fround;

export class EulerScheduler extends EulerSigmaScheduler {
  step(modelOutput: Float32Array, index: number, sample: Float32Array): Float32Array {
    const sigma = this.sigmas[index];
    const dt = f32(this.sigmas[index + 1] - sigma);
    const pred = this.config.prediction_type;
    const vOut = f32(-sigma / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
    const vIn = f32(f32(sigma * sigma) + 1);
    const out = this.out.next(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const s = sample[i];
      const m = modelOutput[i];
      const x0 = pred === 'epsilon' ? f32(s - f32(sigma * m)) : pred === 'v_prediction' ? f32(f32(m * vOut) + f32(s / vIn)) : m;
      const derivative = f32(f32(s - x0) / sigma);
      out[i] = s + f32(derivative * dt);
    }
    return out;
  }
}
