/**
 * Text encoding, the sampling loop and decoding for one request or a batch of compatible ones
 * (batch-key.ts): the members' latents are concatenated along the batch dimension, CFG halves
 * included ([uncond of every image…, cond of every image…]), and the UNet runs once per step for
 * all of them; the text encoder runs once for all prompts. Each member keeps its own scheduler,
 * noise generators (image k of a member with seed s draws from seed s + k) and guidance, so its
 * latents are those of the same request run alone (measured in test/inference/batch-equality).
 *
 * Members leave independently: a member whose signal aborts is dropped before the next step (its
 * outcome is settled canceled at once, its span copies end), the others go on in a smaller
 * batch; each member is settled as soon as its own images are decoded. A failure of a shared run
 * (the UNet, the text encoder) settles every member still in the batch with that error.
 *
 * The step loop allocates nothing of its own: tensors, the CFG buffers and the feeds are built
 * before it and again only when the batch shrinks. Spans: see stage-spans.ts; the first run of
 * each session after it was created gets its own `model.warmup` span inside the phase that made it.
 */
import { performance } from 'node:perf_hooks';
import { DiffscopeError } from '../errors/index.js';
import { ATTR, context, type Attributes, type Context, type Logger } from '../telemetry/index.js';
import { createScheduler } from './schedulers/index.js';
import type { Scheduler } from './schedulers/scheduler.js';
import type { GenerateRequest, GeneratedImage } from './types.js';
import type { LoadedModel } from './loaded-model.js';
import { float32ToHalf, halfToFloat32, toHalfBits } from './float16.js';
import { ort } from './onnx-session.js';
import { GaussianNoise } from './seeded-noise.js';
import type { MemorySampler } from './memory-sampler.js';
import { batchKey } from './batch-key.js';
import { canceled, decodeImages, encodePrompts, runError, statesTensor, warmingRun } from './run-parts.js';
import { StageSpans } from './stage-spans.js';

export interface RunOutput {
  images: GeneratedImage[];
  textEncodeMs: number;
  samplingMs: number;
  decodeMs: number;
  stepMs: number[];
}

/** A member's output, with its final latents (n × C × H × W, before the VAE scaling). */
export interface MemberOutput extends RunOutput {
  latents: Float32Array;
}

export type MemberOutcome = { ok: true; output: MemberOutput } | { ok: false; error: DiffscopeError };

export interface BatchMember {
  request: GenerateRequest;
  /** The member's own span context (its `inference` span): its copies of the stage spans start there. */
  context: Context;
}

export interface RunContext {
  logger: Logger;
  memory: MemorySampler;
}

export interface BatchRunContext extends RunContext {
  /**
   * The `batch` span's context: the stages are recorded once under it and copied under each
   * member. Absent for one request alone (its stages are its own).
   */
  batchContext?: Context;
  /** Each member's outcome, exactly once, as soon as it is known. */
  settle(index: number, outcome: MemberOutcome): void;
}

interface Member {
  index: number;
  run: BatchMember;
  n: number;
  scheduler: Scheduler;
  generators: GaussianNoise[];
  latents: Float32Array;
  scratch: Float32Array;
  stepNoise: Float32Array;
  noise: () => Float32Array;
  /** Two alternating guidance outputs (a multistep sampler may keep the previous one). */
  guided?: [Float32Array, Float32Array];
  uncond?: Float32Array;
  cond?: Float32Array;
  /** First image of this member in the current UNet layout. */
  offset: number;
}

/** The UNet feeds and outputs for the members still in the batch; rebuilt when it shrinks. */
interface UnetBuffers {
  images: number;
  unetInput: Float32Array;
  sampleHalf?: Uint16Array;
  tsFloat?: Float32Array;
  tsInt?: BigInt64Array;
  tsHalf?: Uint16Array;
  feeds: Record<string, ort.Tensor>;
  outFloats: [Float32Array, Float32Array];
  outTensors: [ort.Tensor, ort.Tensor];
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function asError(err: unknown): DiffscopeError {
  return err instanceof DiffscopeError ? err : runError(err, 'inference');
}

export async function runBatch(model: LoadedModel, members: readonly BatchMember[], ctx: BatchRunContext): Promise<void> {
  if (members.length === 0) return;
  const first = members[0].request.params;
  const key = batchKey(first);
  for (const m of members) {
    if (batchKey(m.request.params) !== key)
      throw new DiffscopeError('DSC_ERR_INFER_BAD_PARAMS', 'batch members differ in model, size, sampler, steps or guidance');
  }
  const useCfg = first.cfgScale > 1;
  // An export with a fixed UNet batch cannot take a concatenated one: its members run one by one.
  if (members.length > 1 && model.io.unetBatch !== undefined) {
    for (let i = 0; i < members.length; i++) {
      await runBatch(model, [members[i]], { ...ctx, settle: (_, outcome) => ctx.settle(i, outcome) });
    }
    return;
  }
  await new BatchRun(model, members, ctx, useCfg).run();
}

class BatchRun {
  private live: Member[] = [];
  private readonly per: number;
  private readonly latentH: number;
  private readonly latentW: number;
  private readonly params: GenerateRequest['params'];
  private readonly lead: Context;
  private readonly size: number;
  private buffers!: UnetBuffers;
  private textEncodeMs = 0;
  private samplingMs = 0;
  private stepMs: number[] = [];
  /** The text encoder's output shape, for the states tensor of every layout. */
  private seq = 0;
  private hidden = 0;

  constructor(
    private readonly model: LoadedModel,
    private readonly members: readonly BatchMember[],
    private readonly ctx: BatchRunContext,
    private readonly useCfg: boolean,
  ) {
    this.params = members[0].request.params;
    this.latentH = this.params.height / model.layout.vaeScaleFactor;
    this.latentW = this.params.width / model.layout.vaeScaleFactor;
    this.per = model.io.latentChannels * this.latentH * this.latentW;
    this.lead = ctx.batchContext ?? members[0].context;
    this.size = members.length;
  }

  /** The copies' parents: every live member in a batch, nobody for a request alone (its lead is its own). */
  private copyTargets(): { member: Member; context: Context }[] {
    return this.ctx.batchContext ? this.live.map((m) => ({ member: m, context: m.run.context })) : [];
  }

  private settle(member: Member, outcome: MemberOutcome): void {
    this.live = this.live.filter((m) => m !== member);
    this.ctx.settle(member.index, outcome);
  }

  private failAll(err: unknown): void {
    const error = asError(err);
    for (const m of [...this.live]) this.settle(m, { ok: false, error });
  }

  private anyCanceled(): boolean {
    for (const m of this.live) if (m.run.request.signal?.aborted) return true;
    return false;
  }

  /** Drops the members whose signal aborted (their sampling copies get the steps they saw); true when some left. */
  private dropCanceled(stage?: StageSpans<Member>, copyAttributes?: Attributes): boolean {
    let dropped = false;
    for (const m of [...this.live]) {
      if (!m.run.request.signal?.aborted) continue;
      const error = canceled();
      if (stage && copyAttributes) stage.setCopyAttributes(m, copyAttributes);
      stage?.endCopy(m, error);
      this.settle(m, { ok: false, error });
      dropped = true;
    }
    return dropped;
  }

  async run(): Promise<void> {
    const { model, params } = this;
    const unetRows = (images: number) => (this.useCfg ? 2 * images : images);
    const total = this.members.reduce((sum, m) => sum + m.request.params.n, 0);
    for (let i = 0; i < this.members.length; i++) {
      const run = this.members[i];
      const n = run.request.params.n;
      if (model.io.unetBatch !== undefined && model.io.unetBatch !== unetRows(total)) {
        const error = new DiffscopeError(
          'DSC_ERR_MODEL_SHAPE_MISMATCH',
          `unet/model.onnx was exported for batch ${model.io.unetBatch}; this request needs ${unetRows(n)} (n=${n}${this.useCfg ? ', CFG doubles it' : ''})`,
        );
        this.ctx.settle(i, { ok: false, error });
        continue;
      }
      if (run.request.signal?.aborted) {
        this.ctx.settle(i, { ok: false, error: canceled() });
        continue;
      }
      let scheduler: Scheduler;
      try {
        scheduler = createScheduler(params.sampler, model.schedulerConfig, params.steps, { karrasSigmas: params.karrasSigmas });
      } catch (err) {
        const error =
          err instanceof DiffscopeError
            ? err
            : new DiffscopeError('DSC_ERR_INFER_FAILED', `sampler ${params.sampler}: ${(err as Error).message}`, { cause: err });
        this.ctx.settle(i, { ok: false, error });
        continue;
      }
      const length = n * this.per;
      const generators: GaussianNoise[] = [];
      for (let k = 0; k < n; k++) generators.push(new GaussianNoise(run.request.params.seed + k));
      const stepNoise = new Float32Array(length);
      const per = this.per;
      this.live.push({
        index: i,
        run,
        n,
        scheduler,
        generators,
        latents: new Float32Array(length),
        scratch: new Float32Array(length),
        stepNoise,
        noise: () => {
          for (let k = 0; k < n; k++) generators[k].fill(stepNoise, k * per, per);
          return stepNoise;
        },
        guided: this.useCfg ? [new Float32Array(length), new Float32Array(length)] : undefined,
        offset: 0,
      });
    }
    if (this.live.length === 0) return;
    try {
      await this.encode();
      this.ctx.memory.sample();
      this.initLatents();
      await this.sample();
      this.dropCanceled();
      if (this.live.length === 0) return;
      await this.decode();
      this.ctx.memory.sample();
    } catch (err) {
      this.failAll(err);
    }
  }

  private async encode(): Promise<void> {
    const start = performance.now();
    const stage = new StageSpans<Member>(
      'text.encode',
      { [ATTR.DIFFUSION_MODEL_ID]: this.model.layout.id },
      this.lead,
      this.copyTargets(),
      this.size,
    );
    await stage.run(async () => {
      const prompts = this.live.map((m) => m.run.request.prompt);
      if (this.useCfg) prompts.unshift(...this.live.map((m) => m.run.request.negativePrompt ?? ''));
      const encoded = await encodePrompts(this.model, prompts);
      this.seq = encoded.seq;
      this.hidden = encoded.hidden;
      const count = this.live.length;
      this.live.forEach((m, i) => {
        if (this.useCfg) m.uncond = encoded.states[i];
        m.cond = encoded.states[this.useCfg ? count + i : i];
      });
    });
    this.textEncodeMs = performance.now() - start;
  }

  private initLatents(): void {
    const sigma0 = this.live[0]?.scheduler.initNoiseSigma ?? 1;
    for (const m of this.live) {
      for (let k = 0; k < m.n; k++) m.generators[k].fill(m.latents, k * this.per, this.per);
      if (sigma0 !== 1) for (let i = 0; i < m.latents.length; i++) m.latents[i] *= sigma0;
    }
  }

  /** Feeds and outputs for the live members, in member order: [uncond images…, cond images…] with CFG. */
  private layout(): void {
    const { io } = this.model;
    let images = 0;
    for (const m of this.live) {
      m.offset = images;
      images += m.n;
    }
    const rows = this.useCfg ? 2 * images : images;
    const length = rows * this.per;
    const dims = [rows, io.latentChannels, this.latentH, this.latentW];
    const stateRows: Float32Array[] = [];
    if (this.useCfg) for (const m of this.live) for (let k = 0; k < m.n; k++) stateRows.push(m.uncond!);
    for (const m of this.live) for (let k = 0; k < m.n; k++) stateRows.push(m.cond!);
    const timestepLength = io.timestepShape === 'batch' ? rows : 1;
    const timestepDims = io.timestepShape === 'scalar' ? [] : [timestepLength];
    const unetInput = new Float32Array(length);
    const tsFloat = io.timestepType === 'float32' ? new Float32Array(timestepLength) : undefined;
    const tsInt = io.timestepType === 'int64' ? new BigInt64Array(timestepLength) : undefined;
    const tsHalf = io.timestepType === 'float16' ? new Uint16Array(timestepLength) : undefined;
    const sampleHalf = io.sampleType === 'float16' ? new Uint16Array(length) : undefined;
    const outFloats: [Float32Array, Float32Array] = [new Float32Array(length), new Float32Array(length)];
    const halfOut = io.unetOutType === 'float16';
    this.buffers = {
      images,
      unetInput,
      sampleHalf,
      tsFloat,
      tsInt,
      tsHalf,
      feeds: {
        sample: sampleHalf ? new ort.Tensor('float16', sampleHalf, dims) : new ort.Tensor('float32', unetInput, dims),
        timestep: tsFloat
          ? new ort.Tensor('float32', tsFloat, timestepDims)
          : tsHalf
            ? new ort.Tensor('float16', tsHalf, timestepDims)
            : new ort.Tensor('int64', tsInt!, timestepDims),
        encoder_hidden_states: statesTensor(this.model, stateRows, this.seq, this.hidden),
      },
      outFloats,
      // fp16 outputs land in half buffers and are widened into the float32 pair.
      outTensors: halfOut
        ? [new ort.Tensor('float16', new Uint16Array(length), dims), new ort.Tensor('float16', new Uint16Array(length), dims)]
        : [new ort.Tensor('float32', outFloats[0], dims), new ort.Tensor('float32', outFloats[1], dims)],
    };
  }

  private async sample(): Promise<void> {
    const { model, params } = this;
    const { io } = model;
    const per = this.per;
    const cfg = params.cfgScale;
    const timesteps = this.live[0].scheduler.timesteps;
    const totalSteps = timesteps.length;
    const stepMs: number[] = new Array<number>(totalSteps);
    this.stepMs = stepMs;
    const debug = this.ctx.logger.isLevelEnabled('debug');
    const halfOut = io.unetOutType === 'float16';
    const fetches: Record<string, ort.Tensor> = {};
    this.layout();
    const stage = new StageSpans<Member>(
      'sampling',
      { [ATTR.DIFFUSION_SAMPLER]: params.sampler, [ATTR.DIFFUSION_STEPS]: totalSteps },
      this.lead,
      this.copyTargets(),
      this.size,
    );
    const start = performance.now();
    const durations = (done: number) => {
      const elapsed = performance.now() - start;
      return {
        [ATTR.DIFFUSION_STEP_DURATIONS_MS]: stepMs.slice(0, done).map(roundMs),
        [ATTR.DIFFUSION_STEPS_PER_SECOND]: elapsed > 0 ? roundMs((done * 1000) / elapsed) : 0,
      };
    };
    await stage.run(async () => {
      for (let i = 0; i < totalSteps; i++) {
        // A member canceled since the last step leaves here; the rest go on in a smaller batch.
        if (this.anyCanceled() && this.dropCanceled(stage, durations(i))) {
          if (this.live.length === 0) throw canceled();
          this.layout();
        }
        const b = this.buffers;
        const t0 = performance.now();
        const condBase = b.images * per;
        for (const m of this.live) {
          m.scratch.set(m.latents);
          const scaled = m.scheduler.scaleModelInput(m.scratch, i);
          b.unetInput.set(scaled, m.offset * per);
          if (this.useCfg) b.unetInput.set(scaled, condBase + m.offset * per);
        }
        const t = timesteps[i];
        // diffusers' ONNX pipelines cast with numpy (truncation) when the export takes int64.
        if (b.tsFloat) b.tsFloat.fill(t);
        else if (b.tsHalf) b.tsHalf.fill(toHalfBits(t));
        else b.tsInt!.fill(BigInt(Math.trunc(t)));
        if (b.sampleHalf) float32ToHalf(b.unetInput, b.sampleHalf);
        const outTensor = b.outTensors[i & 1];
        fetches[io.unetOutName] = outTensor;
        try {
          if (model.warm.unet) await model.unet.run(b.feeds, fetches);
          else await warmingRun(model, 'unet', () => model.unet.run(b.feeds, fetches));
        } catch (err) {
          throw runError(err, `unet step ${i + 1}/${totalSteps}`);
        }
        const out = halfOut ? halfToFloat32(outTensor.data as Uint16Array, b.outFloats[i & 1]) : (outTensor.data as Float32Array);
        for (const m of this.live) {
          const base = m.offset * per;
          const length = m.n * per;
          let modelOutput: Float32Array;
          if (m.guided) {
            modelOutput = m.guided[i & 1];
            const condAt = condBase + base;
            for (let j = 0; j < length; j++) {
              const u = out[base + j];
              modelOutput[j] = u + cfg * (out[condAt + j] - u);
            }
          } else {
            modelOutput = out.subarray(base, base + length);
          }
          m.latents = m.scheduler.step(modelOutput, i, m.latents, m.noise);
        }
        const ms = performance.now() - t0;
        stepMs[i] = ms;
        if (debug) this.ctx.logger.debug('sampling_step', { step: i + 1, total_steps: totalSteps, step_ms: ms });
        for (const m of this.live) {
          const onProgress = m.run.request.onProgress;
          if (onProgress) context.with(m.run.context, () => onProgress({ step: i + 1, totalSteps, stepMs: ms }));
        }
      }
      stage.setAttributes(durations(totalSteps));
    });
    this.samplingMs = performance.now() - start;
  }

  private async decode(): Promise<void> {
    const { model, params, per } = this;
    const images = this.live.reduce((sum, m) => sum + m.n, 0);
    const name = model.vaeDecoder ? 'vae.decode' : 'image.decode';
    const stage = new StageSpans<Member>(name, { [ATTR.DIFFUSION_N]: images }, this.lead, [], this.size);
    await stage.run(async () => {
      for (const m of [...this.live]) {
        if (m.run.request.signal?.aborted) {
          this.settle(m, { ok: false, error: canceled() });
          continue;
        }
        const start = performance.now();
        if (this.ctx.batchContext) stage.addCopy(m, m.run.context, { [ATTR.DIFFUSION_N]: m.n });
        let decoded: GeneratedImage[];
        try {
          decoded = await decodeImages(model, m.latents, m.n, per, params.width, params.height, m.run.request.params.seed);
        } catch (err) {
          stage.endCopy(m, err);
          throw err;
        }
        stage.endCopy(m);
        const decodeMs = performance.now() - start;
        this.settle(m, {
          ok: true,
          output: {
            images: decoded,
            latents: m.latents,
            textEncodeMs: this.textEncodeMs,
            samplingMs: this.samplingMs,
            decodeMs,
            stepMs: this.stepMs,
          },
        });
      }
    });
  }
}
