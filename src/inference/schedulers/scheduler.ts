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
  /** diffusers' `trained_betas`: explicit betas instead of a schedule (null/absent: use `beta_schedule`). */
  trained_betas?: readonly number[] | null;
  /** diffusers' `rescale_betas_zero_snr`: rescale betas to zero terminal SNR (Lin et al. 2023). */
  rescale_betas_zero_snr?: boolean;
  /**
   * diffusers options from the file that we do not implement and that are not at their "off" value
   * (e.g. `interpolation_type: "log_linear"`). `createScheduler` refuses a sampler they would affect.
   */
  unsupported?: Readonly<Record<string, unknown>>;
  /** diffusers' `_class_name` of the file the config came from (informational). */
  class_name?: string;
  /**
   * Keys neither the file nor its `_class_name`'s diffusers defaults supplied. `createScheduler`
   * fills these with the chosen sampler's own diffusers defaults, exactly as diffusers'
   * `Target.from_config(pipe.scheduler.config)` does. Absent: every value is taken as given.
   */
  unset_keys?: readonly (keyof SchedulerConfig)[];
}

export interface Scheduler {
  /** Timesteps passed to the model, in the order they are used (float, as some samplers interpolate). */
  readonly timesteps: Float64Array;
  /**
   * Noise levels of the Euler family and DPM++ (length steps + 1, last is the final sigma),
   * float32 values as diffusers holds them; undefined for DDIM and LCM, which have none.
   */
  readonly sigmas?: Float64Array;
  /** Standard deviation of the initial noise (1 for DDIM/LCM/DPM++, sigma_max-based for Euler family). */
  readonly initNoiseSigma: number;
  /**
   * Scale the model input for step `index` (Euler family divides by sqrt(sigma^2+1)).
   * Never modifies `sample`: returns `sample` itself when no scaling applies, otherwise a
   * scheduler-owned buffer that is overwritten by the next call.
   */
  scaleModelInput(sample: Float32Array, index: number): Float32Array;
  /**
   * One step. `noise` supplies Gaussian noise for stochastic samplers (Euler a, LCM);
   * it is called only when needed so seeded runs stay deterministic.
   * Returns a scheduler-owned buffer (two alternate, so it never aliases the `sample` passed in
   * when that is the previous result); it stays valid until the next-but-one call. Copy it to keep it.
   * Step 0 resets multistep history, so one scheduler can run several generations in sequence.
   */
  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: () => Float32Array): Float32Array;
}
