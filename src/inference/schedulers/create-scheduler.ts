/** Sampler name + parsed config → a ready Scheduler for `numInferenceSteps`. */
import { DiffscopeError } from '../../errors/index.js';
import { SAMPLER_NAMES, type SamplerName } from '../types.js';
import { resolveForSampler } from './config.js';
import { DdimScheduler } from './ddim.js';
import { DpmSolver2mScheduler } from './dpmpp-2m.js';
import { EulerAncestralScheduler } from './euler-ancestral.js';
import { EulerScheduler } from './euler.js';
import { LcmScheduler } from './lcm.js';
import type { Scheduler, SchedulerConfig } from './scheduler.js';

export interface CreateSchedulerOptions {
  /** DPM++ 2M (and Euler) only: Karras sigmas, overriding the config's `use_karras_sigmas`. */
  karrasSigmas?: boolean;
}

export function isSamplerName(name: string): name is SamplerName {
  return (SAMPLER_NAMES as readonly string[]).includes(name);
}

export function createScheduler(
  name: SamplerName,
  config: SchedulerConfig,
  numInferenceSteps: number,
  options: CreateSchedulerOptions = {},
): Scheduler {
  if (!isSamplerName(name)) {
    throw new DiffscopeError(
      'DSC_ERR_INFER_UNKNOWN_SAMPLER',
      `Unknown sampler "${String(name)}"; expected one of ${SAMPLER_NAMES.join(', ')}`,
      { field: 'sampler' },
    );
  }
  if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
    throw new DiffscopeError('DSC_ERR_INFER_BAD_PARAMS', `steps must be a positive integer, got ${numInferenceSteps}`, { field: 'steps' });
  }
  const cfg = resolveForSampler(config, name);
  const karras = options.karrasSigmas ?? cfg.use_karras_sigmas;
  switch (name) {
    case 'ddim':
      return new DdimScheduler(cfg, numInferenceSteps);
    case 'euler':
      return new EulerScheduler(cfg, numInferenceSteps, karras);
    case 'euler_a':
      return new EulerAncestralScheduler(cfg, numInferenceSteps);
    case 'dpmpp_2m':
      return new DpmSolver2mScheduler(cfg, numInferenceSteps, karras);
    case 'lcm':
      return new LcmScheduler(cfg, numInferenceSteps);
  }
}
