import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DiffscopeError } from '../../src/errors/index.js';
import { createScheduler, parseSchedulerConfig, parseSchedulerConfigText } from '../../src/inference/schedulers/index.js';
import { makeAlphasCumprod, makeBetas } from '../../src/inference/schedulers/schedule-math.js';
import type { SamplerName } from '../../src/inference/types.js';

// Fixtures come from diffusers' own scheduler source: tools/scheduler-fixtures/generate.py.
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'schedulers');
const TOL = 1e-5;

interface ScheduleCase {
  sampler: SamplerName;
  config: Record<string, unknown>;
  steps: number;
  timesteps: number[];
  sigmas?: number[];
  init_noise_sigma: number;
}
interface TrajectoryStep {
  sample: number[];
  model_output: number[];
  scaled_input?: number[];
  noise?: number[];
  prev_sample: number[];
}
interface TrajectoryCase extends ScheduleCase {
  name: string;
  trajectory: TrajectoryStep[];
}

/** A fixture's parsed JSON; each caller states the shape its fixture file has. */
function load(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** Largest |a - b| scaled by max(1, max |b|): "within 1e-5 relative to scale". */
function scaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): { err: number; abs: number } {
  expect(actual.length).toBe(expected.length);
  // Fixture values are float32, written as the shortest decimal that reads back as that float32.
  expected = Array.from(expected, Math.fround);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let abs = 0;
  for (let i = 0; i < expected.length; i++) abs = Math.max(abs, Math.abs(actual[i] - expected[i]));
  return { err: abs / scale, abs };
}

const maxAbs: Record<string, number> = {};
function note(key: string, abs: number): void {
  maxAbs[key] = Math.max(maxAbs[key] ?? 0, abs);
}

afterAll(() => {
  // The report's "max abs error per sampler" comes from here.
  console.log('scheduler fixture max abs error:', JSON.stringify(maxAbs));
});

function checkSchedule(c: ScheduleCase, karras?: boolean): void {
  const s = createScheduler(c.sampler, parseSchedulerConfig(c.config), c.steps, karras === undefined ? {} : { karrasSigmas: karras });
  if (c.sampler === 'euler' && c.config.use_karras_sigmas === true) {
    // Fractional timesteps from log-sigma interpolation: numpy's float32 log is not correctly
    // rounded (about 4 % of values are an ulp off); 15 % of these timesteps end a few float32
    // ulps away (at most 1.2e-4 at t ≈ 999, i.e. 2 ulps). Only the model sees them.
    const { abs } = scaledError(s.timesteps, c.timesteps);
    note('euler.karras_timesteps', abs);
    expect(abs).toBeLessThanOrEqual(2e-4);
  } else {
    // Integer or float32 timesteps: exact.
    expect(Array.from(s.timesteps)).toEqual(c.timesteps.map(Math.fround));
  }
  if (c.sigmas) {
    expect(s.sigmas).toBeDefined();
    const { err, abs } = scaledError(s.sigmas!, c.sigmas);
    note(`${c.sampler}.sigmas`, abs);
    expect(err).toBeLessThanOrEqual(TOL);
  } else {
    expect(s.sigmas).toBeUndefined();
  }
  expect(Math.abs(s.initNoiseSigma - c.init_noise_sigma) / Math.max(1, c.init_noise_sigma)).toBeLessThanOrEqual(TOL);
}

describe('schedules equal diffusers (timesteps, sigmas, init noise sigma)', () => {
  const data = load('schedules.json') as { cases: ScheduleCase[] };
  it(`covers ${data.cases.length} sampler × config × step-count cases`, () => {
    for (const c of data.cases) {
      try {
        checkSchedule(c);
      } catch (e) {
        throw new Error(`${c.sampler} ${JSON.stringify(c.config)} steps=${c.steps}: ${(e as Error).message}`, { cause: e });
      }
    }
  });

  it('betas and alphas_cumprod match torch float32', () => {
    const betas = (
      load('schedules.json') as { betas: Record<string, { config: Record<string, unknown>; betas: number[]; alphas_cumprod: number[] }> }
    ).betas;
    for (const [name, b] of Object.entries(betas)) {
      const cfg = parseSchedulerConfig({ _class_name: 'DDIMScheduler', ...b.config });
      const ours = makeBetas(cfg);
      const ac = makeAlphasCumprod(ours);
      const eb = scaledError(ours, b.betas);
      const ea = scaledError(ac, b.alphas_cumprod);
      note(`betas.${name}`, eb.abs);
      note(`alphas_cumprod.${name}`, ea.abs);
      // Bit-exact: torch.linspace's kernel (FMA-fused bases, 8-lane blocks) is reproduced.
      expect(Array.from(ours)).toEqual(b.betas.map(Math.fround));
      expect(Array.from(ac)).toEqual(b.alphas_cumprod.map(Math.fround));
    }
  });
});

for (const sampler of ['ddim', 'euler', 'euler_a', 'dpmpp_2m', 'lcm'] as const) {
  describe(`${sampler} steps equal diffusers`, () => {
    const data = load(`${sampler}.json`) as { cases: TrajectoryCase[] };
    for (const c of data.cases) {
      it(c.name, () => {
        checkSchedule(c);
        const s = createScheduler(sampler, parseSchedulerConfig(c.config), c.steps);
        c.trajectory.forEach((st, k) => {
          const sample = Float32Array.from(st.sample);
          const scaled = s.scaleModelInput(sample, k);
          if (st.scaled_input) {
            const { err, abs } = scaledError(scaled, st.scaled_input);
            note(`${sampler}.scale`, abs);
            expect(err).toBeLessThanOrEqual(TOL);
          } else {
            expect(scaled).toBe(sample);
          }
          let drawn = 0;
          const noise = (): Float32Array => {
            drawn++;
            if (!st.noise) throw new Error(`step ${k}: noise requested but diffusers drew none`);
            return Float32Array.from(st.noise);
          };
          const out = s.step(Float32Array.from(st.model_output), k, sample, noise);
          expect(drawn).toBe(st.noise ? 1 : 0);
          const { err, abs } = scaledError(out, st.prev_sample);
          note(sampler, abs);
          note(`${sampler}.relative`, err);
          expect(err, `step ${k}`).toBeLessThanOrEqual(TOL);
          // The input must be left alone (the pipeline reuses it).
          expect(Array.from(sample)).toEqual(st.sample.map(Math.fround));
        });
      });
    }
  });
}

describe('chained steps', () => {
  it('DPM++ 2M fed its own outputs stays with diffusers over a whole run', () => {
    const c = (load('dpmpp_2m.json') as { cases: TrajectoryCase[] }).cases.find((x) => x.name === 'dpmpp_2m/sd-karras-epsilon/20')!;
    const s = createScheduler('dpmpp_2m', parseSchedulerConfig(c.config), c.steps);
    let sample = Float32Array.from(c.trajectory[0].sample);
    c.trajectory.forEach((st, k) => {
      sample = Float32Array.from(s.step(Float32Array.from(st.model_output), k, sample, () => new Float32Array(0)));
      expect(scaledError(sample, st.prev_sample).err).toBeLessThanOrEqual(TOL);
    });
  });

  it('a scheduler can be reused for a second run (history resets at step 0)', () => {
    const c = (load('dpmpp_2m.json') as { cases: TrajectoryCase[] }).cases.find((x) => x.name === 'dpmpp_2m/sd-epsilon-linspace/10')!;
    const s = createScheduler('dpmpp_2m', parseSchedulerConfig(c.config), c.steps);
    for (let run = 0; run < 2; run++) {
      c.trajectory.forEach((st, k) => {
        const out = s.step(Float32Array.from(st.model_output), k, Float32Array.from(st.sample), () => new Float32Array(0));
        expect(scaledError(out, st.prev_sample).err).toBeLessThanOrEqual(TOL);
      });
    }
  });

  it('karrasSigmas option equals use_karras_sigmas in the config', () => {
    const c = (load('schedules.json') as { cases: ScheduleCase[] }).cases.find(
      (x) => x.sampler === 'dpmpp_2m' && x.config.use_karras_sigmas === true && x.steps === 25,
    )!;
    const { use_karras_sigmas: _, ...rest } = c.config;
    checkSchedule({ ...c, config: rest }, true);
  });
});

describe('parseSchedulerConfig', () => {
  it('fills missing keys with the diffusers defaults of _class_name', () => {
    const c = parseSchedulerConfig({ _class_name: 'DDIMScheduler' });
    expect(c).toMatchObject({
      num_train_timesteps: 1000,
      beta_start: 0.0001,
      beta_end: 0.02,
      beta_schedule: 'linear',
      prediction_type: 'epsilon',
      timestep_spacing: 'leading',
      steps_offset: 0,
      clip_sample: true,
      clip_sample_range: 1,
      set_alpha_to_one: true,
      use_clipped_model_output: false,
      trained_betas: null,
      class_name: 'DDIMScheduler',
    });
    const lcm = parseSchedulerConfig({ _class_name: 'LCMScheduler' });
    expect(lcm).toMatchObject({
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      original_inference_steps: 50,
      timestep_scaling: 10,
      clip_sample: false,
    });
  });

  it('a Stable Diffusion 1.5 config (PNDMScheduler) gives each sampler what diffusers from_config gives it', () => {
    const sd15 = {
      _class_name: 'PNDMScheduler',
      _diffusers_version: '0.6.0',
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      beta_start: 0.00085,
      num_train_timesteps: 1000,
      set_alpha_to_one: false,
      skip_prk_steps: true,
      steps_offset: 1,
      trained_betas: null,
      clip_sample: false,
    };
    const c = parseSchedulerConfig(sd15);
    // PNDM has timestep_spacing 'leading': Euler inherits it through pipe.scheduler.config.
    expect(c.timestep_spacing).toBe('leading');
    expect(Array.from(createScheduler('euler', c, 4).timesteps)).toEqual([751, 501, 251, 1]);
    // PNDM has no clip_sample default but the file sets it: DDIM must not clip.
    expect(c.clip_sample).toBe(false);
    // LCM-only keys come from LCM's defaults.
    expect(Array.from(createScheduler('lcm', c, 4).timesteps)).toEqual([999, 759, 499, 259]);
  });

  it("a config without _class_name takes each sampler's own defaults", () => {
    const c = parseSchedulerConfig({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 });
    expect(Array.from(createScheduler('ddim', c, 4).timesteps)).toEqual([750, 500, 250, 0]); // leading
    expect(Array.from(createScheduler('euler', c, 3).timesteps)).toEqual([999, 499.5, 0]); // linspace
  });

  it('reads the text diffusers writes, -Infinity included', () => {
    const text =
      '{"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity, "note": "NaN -Infinity", "solver_order": 2}';
    const c = parseSchedulerConfigText(text);
    expect(c.unsupported).toBeUndefined();
    expect(Array.from(createScheduler('dpmpp_2m', c, 4).timesteps)).toEqual([999, 749, 500, 250]);
    expect(() => parseSchedulerConfigText('{"a": ')).toThrow(
      expect.objectContaining({ code: 'DSC_ERR_MODEL_INVALID', message: expect.stringMatching(/not valid JSON/) }),
    );
  });

  it('accepts any diffusers scheduler class name, Flax ones included', () => {
    for (const name of [
      'UniPCMultistepScheduler',
      'FlowMatchEulerDiscreteScheduler',
      'FlaxDDIMScheduler',
      'KDPM2AncestralDiscreteScheduler',
    ]) {
      expect(() => parseSchedulerConfig({ _class_name: name })).not.toThrow();
    }
  });

  it('treats null as "use the default" and reads trained_betas', () => {
    const c = parseSchedulerConfig({
      _class_name: 'EulerDiscreteScheduler',
      timestep_spacing: null,
      num_train_timesteps: 4,
      trained_betas: [0.1, 0.2, 0.3, 0.4],
    });
    expect(c.timestep_spacing).toBe('linspace');
    expect(Array.from(makeBetas(c))).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
  });

  const badCases: [string, unknown, RegExp][] = [
    ['non-object', [1, 2], /expected a JSON object/],
    [
      'bad beta_schedule',
      { beta_schedule: 'cosine' },
      /beta_schedule must be one of linear, scaled_linear, squaredcos_cap_v2; got "cosine"/,
    ],
    ['bad prediction_type', { prediction_type: 'flow' }, /prediction_type must be one of/],
    ['bad spacing', { timestep_spacing: 'middle' }, /timestep_spacing must be one of/],
    ['negative beta', { beta_start: -1 }, /beta_start must be a number in \(0, 1\)/],
    ['fractional T', { num_train_timesteps: 10.5 }, /num_train_timesteps must be an integer/],
    ['string bool', { clip_sample: 'yes' }, /clip_sample must be true or false/],
    ['steps_offset', { steps_offset: -1 }, /steps_offset must be an integer/],
    ['unknown class', { _class_name: 'MyScheduler' }, /unknown scheduler class "MyScheduler"/],
    ['thresholding', { thresholding: true }, /thresholding: true is not supported/],
    ['rescale flag', { rescale_betas_zero_snr: 1 }, /rescale_betas_zero_snr must be true or false/],
    ['trained_betas length', { num_train_timesteps: 3, trained_betas: [0.1] }, /trained_betas must be null or 3 numbers/],
  ];
  for (const [label, json, message] of badCases) {
    it(`rejects ${label} with DSC_ERR_MODEL_INVALID`, () => {
      let caught: unknown;
      try {
        parseSchedulerConfig(json);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(DiffscopeError);
      expect((caught as DiffscopeError).code).toBe('DSC_ERR_MODEL_INVALID');
      expect((caught as Error).message).toMatch(message);
    });
  }
});

describe('createScheduler', () => {
  const cfg = parseSchedulerConfig({ _class_name: 'DDIMScheduler' });

  it('rejects an unknown sampler with DSC_ERR_INFER_UNKNOWN_SAMPLER', () => {
    expect(() => createScheduler('heun' as SamplerName, cfg, 10)).toThrow(
      expect.objectContaining({ code: 'DSC_ERR_INFER_UNKNOWN_SAMPLER', status: 400 }),
    );
  });

  it('rejects bad step counts', () => {
    expect(() => createScheduler('ddim', cfg, 0)).toThrow(expect.objectContaining({ code: 'DSC_ERR_INFER_BAD_PARAMS' }));
    expect(() => createScheduler('ddim', cfg, 2.5)).toThrow(expect.objectContaining({ code: 'DSC_ERR_INFER_BAD_PARAMS' }));
    expect(() => createScheduler('ddim', cfg, 1001)).toThrow(expect.objectContaining({ code: 'DSC_ERR_INFER_BAD_PARAMS' }));
    expect(() => createScheduler('lcm', cfg, 51)).toThrow(expect.objectContaining({ code: 'DSC_ERR_INFER_BAD_PARAMS' }));
  });

  it('refuses diffusers options it does not implement, only for the samplers they affect', () => {
    const c = parseSchedulerConfig({ _class_name: 'EulerDiscreteScheduler', interpolation_type: 'log_linear', final_sigmas_type: 'zero' });
    expect(c.unsupported).toEqual({ interpolation_type: 'log_linear' });
    expect(() => createScheduler('euler', c, 4)).toThrow(
      expect.objectContaining({
        code: 'DSC_ERR_MODEL_INVALID',
        message: expect.stringMatching(/interpolation_type: "log_linear" is not supported by the euler sampler/),
      }),
    );
    expect(() => createScheduler('ddim', c, 4)).not.toThrow();
    const d = parseSchedulerConfig({ _class_name: 'DPMSolverMultistepScheduler', lambda_min_clipped: -5.1, euler_at_final: false });
    expect(() => createScheduler('dpmpp_2m', d, 4)).toThrow(/lambda_min_clipped/);
    expect(() => createScheduler('euler', d, 4)).not.toThrow();
  });

  it('euler_a refuses prediction_type sample, as diffusers does', () => {
    expect(() => createScheduler('euler_a', parseSchedulerConfig({ prediction_type: 'sample' }), 4)).toThrow(/euler_a does not support/);
  });

  it('step results never alias the sample they were given', () => {
    const s = createScheduler('euler', cfg, 5);
    let sample: Float32Array = new Float32Array(8).fill(1);
    const model = new Float32Array(8).fill(0.5);
    for (let k = 0; k < 5; k++) {
      const out = s.step(model, k, sample, () => new Float32Array(8));
      expect(out).not.toBe(sample);
      sample = out;
    }
  });
});
