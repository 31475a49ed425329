/**
 * A sampler as diffusers calls it a scheduler: given the model output at a timestep,
 * compute the previous sample. All arrays are flat Float32Array/Float64Array views of
 * the latent batch; shape bookkeeping stays with the pipeline.
 */

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';

/** The subset of diffusers' `scheduler_config.json` we honour (snake_case as in the file). */
export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  prediction_type: PredictionType;
  timestep_spacing: TimestepSpacing;
  steps_offset: number;
  clip_sample: boolean;
  clip_sample_range: number;
  set_alpha_to_one: boolean;
  /** Our extension (see docs/inference.md): DDIM re-derives epsilon from the clipped x0. */
  use_clipped_model_output: boolean;
  use_karras_sigmas: boolean;
  /** LCM */
  original_inference_steps: number;
  timestep_scaling: number;
}

export interface Scheduler {
  /** Timesteps passed to the model, in the order they are used (float, as some samplers interpolate). */
  readonly timesteps: Float64Array;
  /** Standard deviation of the initial noise (1 for DDIM/LCM, sigma_max-based for Euler family). */
  readonly initNoiseSigma: number;
  /** Scale the model input for step `index` (Euler family divides by sqrt(sigma^2+1)); in place allowed. */
  scaleModelInput(sample: Float32Array, index: number): Float32Array;
  /**
   * One step. `noise` supplies Gaussian noise for stochastic samplers (Euler a, LCM);
   * it is called only when needed so seeded runs stay deterministic.
   */
  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: () => Float32Array): Float32Array;
}
