/**
 * `scheduler_config.json` → SchedulerConfig. Missing keys get the diffusers defaults of the
 * file's `_class_name` (as loading the pipeline's scheduler would); keys that class does not
 * have are listed in `unset_keys` so `createScheduler` can apply the chosen sampler's defaults,
 * which is what diffusers' `Target.from_config(pipe.scheduler.config)` does.
 */
import { DiffscopeError } from '../../errors/index.js';
import type { BetaSchedule, PredictionType, SchedulerConfig, TimestepSpacing } from './scheduler.js';

type CoreKey = Exclude<keyof SchedulerConfig, 'trained_betas' | 'rescale_betas_zero_snr' | 'class_name' | 'unset_keys' | 'unsupported'>;
type Defaults = Partial<Pick<SchedulerConfig, CoreKey>>;

const BASE = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  prediction_type: 'epsilon',
  steps_offset: 0,
} as const;
const KARRAS_LINSPACE: Defaults = { ...BASE, use_karras_sigmas: false, timestep_spacing: 'linspace' };
const K_DIFFUSION: Defaults = { ...KARRAS_LINSPACE, beta_start: 0.00085, beta_end: 0.012 };
const LCM: Defaults = {
  ...BASE,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  original_inference_steps: 50,
  clip_sample: false,
  clip_sample_range: 1.0,
  set_alpha_to_one: true,
  timestep_spacing: 'leading',
  timestep_scaling: 10.0,
};
const DDIM: Defaults = { ...BASE, clip_sample: true, set_alpha_to_one: true, clip_sample_range: 1.0, timestep_spacing: 'leading' };

/** `__init__` defaults (for our keys) of diffusers' scheduler classes, read from its source. */
export const CLASS_DEFAULTS: Readonly<Record<string, Defaults>> = {
  DDIMScheduler: DDIM,
  DDIMParallelScheduler: DDIM,
  DDIMInverseScheduler: DDIM,
  DDPMScheduler: { ...BASE, clip_sample: true, clip_sample_range: 1.0, timestep_spacing: 'leading' },
  DDPMParallelScheduler: { ...BASE, clip_sample: true, clip_sample_range: 1.0, timestep_spacing: 'leading' },
  PNDMScheduler: { ...BASE, set_alpha_to_one: false, timestep_spacing: 'leading' },
  EulerDiscreteScheduler: KARRAS_LINSPACE,
  EulerAncestralDiscreteScheduler: { ...BASE, timestep_spacing: 'linspace' },
  DPMSolverMultistepScheduler: KARRAS_LINSPACE,
  DPMSolverMultistepInverseScheduler: KARRAS_LINSPACE,
  DPMSolverSinglestepScheduler: { ...BASE, use_karras_sigmas: false },
  DPMSolverSDEScheduler: { ...K_DIFFUSION },
  DEISMultistepScheduler: KARRAS_LINSPACE,
  UniPCMultistepScheduler: KARRAS_LINSPACE,
  SASolverScheduler: KARRAS_LINSPACE,
  LMSDiscreteScheduler: KARRAS_LINSPACE,
  HeunDiscreteScheduler: { ...K_DIFFUSION, clip_sample: false, clip_sample_range: 1.0 },
  KDPM2DiscreteScheduler: K_DIFFUSION,
  KDPM2AncestralDiscreteScheduler: K_DIFFUSION,
  LCMScheduler: LCM,
  TCDScheduler: LCM,
};

/** Other diffusers scheduler classes: accepted as `_class_name`, contributing no defaults. */
const OTHER_CLASSES = new Set([
  'AmusedScheduler',
  'CMStochasticIterativeScheduler',
  'CogVideoXDDIMScheduler',
  'CogVideoXDPMScheduler',
  'ConsistencyDecoderScheduler',
  'CosineDPMSolverMultistepScheduler',
  'DDPMWuerstchenScheduler',
  'EDMDPMSolverMultistepScheduler',
  'EDMEulerScheduler',
  'FlowMatchEulerDiscreteScheduler',
  'FlowMatchHeunDiscreteScheduler',
  'FlowMatchLCMScheduler',
  'IPNDMScheduler',
  'KarrasVeScheduler',
  'RePaintScheduler',
  'SCMScheduler',
  'ScoreSdeVeScheduler',
  'ScoreSdeVpScheduler',
  'UnCLIPScheduler',
  'VQDiffusionScheduler',
]);

/** Diffusers' defaults of the five samplers we implement, by SamplerName. */
export const SAMPLER_DEFAULTS: Readonly<Record<string, Defaults>> = {
  ddim: DDIM,
  euler: KARRAS_LINSPACE,
  euler_a: { ...BASE, timestep_spacing: 'linspace' },
  dpmpp_2m: KARRAS_LINSPACE,
  lcm: LCM,
};

/** Values for keys nobody supplied; replaced per sampler by createScheduler via `unset_keys`. */
const FALLBACK: Required<Defaults> = {
  ...BASE,
  timestep_spacing: 'linspace',
  clip_sample: false,
  clip_sample_range: 1.0,
  set_alpha_to_one: true,
  use_clipped_model_output: false,
  use_karras_sigmas: false,
  original_inference_steps: 50,
  timestep_scaling: 10.0,
};

/**
 * diffusers options we do not implement, with the value that means "off", per sampler they affect.
 * A file that sets one of them otherwise is refused when that sampler is chosen, rather than
 * silently sampling differently from diffusers.
 */
const NOT_IMPLEMENTED: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  euler: {
    interpolation_type: 'linear',
    timestep_type: 'discrete',
    final_sigmas_type: 'zero',
    use_exponential_sigmas: false,
    use_beta_sigmas: false,
    sigma_min: null,
    sigma_max: null,
  },
  dpmpp_2m: {
    final_sigmas_type: 'zero',
    lambda_min_clipped: null,
    euler_at_final: false,
    lower_order_final: true,
    use_lu_lambdas: false,
    use_exponential_sigmas: false,
    use_beta_sigmas: false,
    use_flow_sigmas: false,
    variance_type: null,
  },
};

const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];
const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v_prediction', 'sample'];
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];

function bad(message: string): DiffscopeError {
  return new DiffscopeError('DSC_ERR_MODEL_INVALID', `scheduler_config.json: ${message}`);
}

function check(key: string, value: unknown, T: number): unknown {
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  const isPos = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  switch (key) {
    case 'num_train_timesteps':
      if (!isInt(value) || value < 2) throw bad(`num_train_timesteps must be an integer >= 2, got ${JSON.stringify(value)}`);
      return value;
    case 'beta_start':
    case 'beta_end':
      if (!isPos(value) || value >= 1) throw bad(`${key} must be a number in (0, 1), got ${JSON.stringify(value)}`);
      return value;
    case 'steps_offset':
      if (!isInt(value) || value < 0 || value >= T) throw bad(`steps_offset must be an integer in [0, ${T}), got ${JSON.stringify(value)}`);
      return value;
    case 'original_inference_steps':
      if (!isInt(value) || value < 1 || value > T)
        throw bad(`original_inference_steps must be an integer in [1, ${T}], got ${JSON.stringify(value)}`);
      return value;
    case 'clip_sample_range':
    case 'timestep_scaling':
      if (!isPos(value)) throw bad(`${key} must be a positive number, got ${JSON.stringify(value)}`);
      return value;
    case 'beta_schedule':
    case 'prediction_type':
    case 'timestep_spacing': {
      const allowed: readonly string[] = key === 'beta_schedule' ? BETA_SCHEDULES : key === 'prediction_type' ? PREDICTION_TYPES : SPACINGS;
      if (typeof value !== 'string' || !allowed.includes(value)) {
        throw bad(`${key} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
      }
      return value;
    }
    default:
      if (typeof value !== 'boolean') throw bad(`${key} must be true or false, got ${JSON.stringify(value)}`);
      return value;
  }
}

/**
 * Parse the text of a `scheduler_config.json`. Python's json module writes `-Infinity`, `Infinity`
 * and `NaN` (diffusers saves `lambda_min_clipped: -Infinity`), which JSON.parse refuses; they are
 * read as null, i.e. "the default", which is what -Infinity means there.
 */
export function parseSchedulerConfigText(text: string): SchedulerConfig {
  let json: unknown;
  try {
    json = parsePythonJson(text);
  } catch (err) {
    throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `scheduler_config.json: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseSchedulerConfig(json);
}

/** JSON as Python's json.dumps writes it: bare `Infinity`, `-Infinity` and `NaN` become null. */
export function parsePythonJson(text: string): unknown {
  return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : 'null')));
}

export function parseSchedulerConfig(json: unknown): SchedulerConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('expected a JSON object');
  const raw = json as Record<string, unknown>;
  let classDefaults: Defaults = {};
  let className: string | undefined;
  if (raw._class_name !== undefined) {
    if (typeof raw._class_name !== 'string') throw bad('_class_name must be a string');
    className = raw._class_name.replace(/^Flax/, '');
    if (CLASS_DEFAULTS[className]) classDefaults = CLASS_DEFAULTS[className];
    else if (!OTHER_CLASSES.has(className)) throw bad(`unknown scheduler class "${raw._class_name}"`);
  }
  if (raw.thresholding === true) throw bad("thresholding: true is not supported by diffscope's samplers");
  const rescale = raw.rescale_betas_zero_snr ?? false;
  if (typeof rescale !== 'boolean') throw bad(`rescale_betas_zero_snr must be true or false, got ${JSON.stringify(rescale)}`);
  const T = raw.num_train_timesteps ?? classDefaults.num_train_timesteps ?? FALLBACK.num_train_timesteps;
  check('num_train_timesteps', T, 0);
  const out: Record<string, unknown> = {};
  const unset: (keyof SchedulerConfig)[] = [];
  for (const key of Object.keys(FALLBACK) as (keyof typeof FALLBACK)[]) {
    // null in a diffusers config means "use the default".
    const fromFile = raw[key] ?? undefined;
    if (fromFile !== undefined) out[key] = check(key, fromFile, T as number);
    else if (classDefaults[key] !== undefined) out[key] = classDefaults[key];
    else {
      out[key] = FALLBACK[key];
      unset.push(key);
    }
  }
  const trained = raw.trained_betas ?? null;
  if (trained !== null) {
    if (!Array.isArray(trained) || trained.length !== T || !trained.every((b) => typeof b === 'number' && b > 0 && b < 1)) {
      throw bad(`trained_betas must be null or ${T as number} numbers in (0, 1)`);
    }
  }
  const unsupported: Record<string, unknown> = {};
  for (const table of Object.values(NOT_IMPLEMENTED)) {
    for (const [key, off] of Object.entries(table)) {
      const v = raw[key];
      // -inf is how diffusers writes "no clipping" for lambda_min_clipped; JSON has no -Infinity.
      if (v === undefined || v === null || v === off || (key === 'lambda_min_clipped' && v === '-inf')) continue;
      unsupported[key] = v;
    }
  }
  return {
    ...(out as unknown as SchedulerConfig),
    ...(Object.keys(unsupported).length > 0 ? { unsupported } : {}),
    trained_betas: trained as number[] | null,
    rescale_betas_zero_snr: rescale,
    ...(className ? { class_name: className } : {}),
    unset_keys: unset,
  };
}

/** The config a given sampler sees: unset keys replaced by that sampler's diffusers defaults. */
export function resolveForSampler(config: SchedulerConfig, sampler: string): SchedulerConfig {
  const table = NOT_IMPLEMENTED[sampler];
  if (table && config.unsupported) {
    for (const key of Object.keys(config.unsupported)) {
      if (key in table) {
        throw bad(
          `${key}: ${JSON.stringify(config.unsupported[key])} is not supported by the ${sampler} sampler (only ${JSON.stringify(table[key])})`,
        );
      }
    }
  }
  const unset = config.unset_keys;
  if (!unset || unset.length === 0) return config;
  const defaults = SAMPLER_DEFAULTS[sampler] ?? {};
  const resolved: Record<string, unknown> = { ...config };
  for (const key of unset) {
    const d = (defaults as Record<string, unknown>)[key];
    if (d !== undefined) resolved[key] = d;
  }
  return resolved as unknown as SchedulerConfig;
}
