/**
 * One model in memory: tokenizer, ONNX sessions and what their metadata says about the tensors
 * we must feed (dtypes, fixed dims). Everything that can be wrong with the files is found here,
 * at load, so a bad model fails its first request with a clear error and nothing else.
 */
import { DiffscopeError } from '../errors/index.js';
import { parseSchedulerConfig } from './schedulers/index.js';
import type { SchedulerConfig } from './schedulers/scheduler.js';
import type { ModelLayout } from './model-layout.js';
import { loadPromptTokenizer, type PromptTokenizer } from './prompt-tokenizer.js';
import {
  expectRank,
  fixedDim,
  inputSpec,
  mismatch,
  openSession,
  outputSpec,
  type SessionRuntimeOptions,
  type TensorSpec,
  type ort,
} from './onnx-session.js';

export interface ModelIo {
  idsName: string;
  idsType: 'int32' | 'int64';
  sequenceLength: number;
  /** Text encoder export with a fixed batch of 1: prompts are encoded one run each. */
  textEncoderBatchOne: boolean;
  hiddenName: string;
  hiddenSize?: number;
  timestepType: 'int64' | 'float32' | 'float16';
  /** `scalar` = shape [], `one` = [1], `batch` = [B]. */
  timestepShape: 'scalar' | 'one' | 'batch';
  latentChannels: number;
  /** Fixed latent height/width of the UNet export, if any. */
  unetHeight?: number;
  unetWidth?: number;
  unetBatch?: number;
  unetOutName: string;
  vaeInName: string;
  vaeOutName: string;
  vaeBatchOne: boolean;
  /** Float tensor types the graph asks for (fp16 exports: float16; we convert at the boundary). */
  hiddenType: FloatType;
  sampleType: FloatType;
  encoderStatesType: FloatType;
  unetOutType: FloatType;
  vaeInType: FloatType;
  vaeOutType: FloatType;
}

export type FloatType = 'float32' | 'float16';

/** Sessions that have run once since they were created (the first run is `model.warmup`). */
export interface WarmState {
  textEncoder: boolean;
  unet: boolean;
  vaeDecoder: boolean;
}

export interface LoadedModel {
  layout: ModelLayout;
  version: string;
  tokenizer: PromptTokenizer;
  textEncoder: ort.InferenceSession;
  unet: ort.InferenceSession;
  vaeDecoder?: ort.InferenceSession;
  schedulerConfig: SchedulerConfig;
  io: ModelIo;
  sizeBytes: number;
  warm: WarmState;
}

const INT_TYPES = ['int32', 'int64'] as const;
const TIMESTEP_TYPES = ['int64', 'float32', 'float16'] as const;
const FLOAT = ['float32', 'float16'] as const;

function firstOutput(session: ort.InferenceSession, preferred: string): string {
  return session.outputNames.includes(preferred) ? preferred : session.outputNames[0];
}

function timestepShape(spec: TensorSpec): ModelIo['timestepShape'] {
  if (spec.shape.length === 0) return 'scalar';
  if (spec.shape.length === 1 && fixedDim(spec, 0) === 1) return 'one';
  return 'batch';
}

export async function releaseSessions(sessions: (ort.InferenceSession | undefined)[]): Promise<void> {
  await Promise.all(sessions.filter((s) => s !== undefined).map((s) => s.release().catch(() => undefined)));
}

export async function loadModel(layout: ModelLayout, version: string, options: SessionRuntimeOptions): Promise<LoadedModel> {
  let schedulerConfig: SchedulerConfig;
  try {
    schedulerConfig = parseSchedulerConfig(layout.schedulerConfig);
  } catch (err) {
    if (err instanceof DiffscopeError) throw err;
    throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `scheduler/scheduler_config.json of '${layout.id}': ${(err as Error).message}`, {
      cause: err,
    });
  }
  const opened: (ort.InferenceSession | undefined)[] = [];
  try {
    // allSettled: when one file is corrupt the others may still open, and must be released.
    const settled = await Promise.allSettled([
      openSession(layout.textEncoderPath, 'text_encoder/model.onnx', options),
      openSession(layout.unetPath, 'unet/model.onnx', options),
      layout.vaeDecoderPath ? openSession(layout.vaeDecoderPath, 'vae_decoder/model.onnx', options) : Promise.resolve(undefined),
    ]);
    for (const result of settled) if (result.status === 'fulfilled') opened.push(result.value);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [textEncoder, unet, vaeDecoder] = opened as [ort.InferenceSession, ort.InferenceSession, ort.InferenceSession | undefined];
    const io = inspect(layout, textEncoder, unet, vaeDecoder);
    const tokenizer = await loadPromptTokenizer(layout.tokenizerDir, {
      encoderSequenceLength: io.sequenceLength > 0 ? io.sequenceLength : undefined,
    });
    if (io.sequenceLength <= 0) io.sequenceLength = tokenizer.maxLength;
    const warm = { textEncoder: false, unet: false, vaeDecoder: false };
    return { layout, version, tokenizer, textEncoder, unet, vaeDecoder, schedulerConfig, io, sizeBytes: layout.onnxBytes, warm };
  } catch (err) {
    await releaseSessions(opened);
    throw err;
  }
}

function inspect(
  layout: ModelLayout,
  textEncoder: ort.InferenceSession,
  unet: ort.InferenceSession,
  vae: ort.InferenceSession | undefined,
): ModelIo {
  const te = 'text_encoder/model.onnx';
  const un = 'unet/model.onnx';
  const vd = 'vae_decoder/model.onnx';
  const ids = inputSpec(textEncoder, 'input_ids', te, INT_TYPES);
  expectRank(ids, 2, te);
  const hiddenName = firstOutput(textEncoder, 'last_hidden_state');
  const hidden = outputSpec(textEncoder, hiddenName, te, FLOAT);
  expectRank(hidden, 3, te);

  const sample = inputSpec(unet, 'sample', un, FLOAT);
  expectRank(sample, 4, un);
  const timestep = inputSpec(unet, 'timestep', un, TIMESTEP_TYPES);
  if (timestep.shape.length > 1) throw mismatch(`${un} 'timestep' has shape [${timestep.shape.join(', ')}], expected a scalar or [batch]`);
  const ehs = inputSpec(unet, 'encoder_hidden_states', un, FLOAT);
  expectRank(ehs, 3, un);
  const unetOutName = firstOutput(unet, 'out_sample');
  const unetOut = outputSpec(unet, unetOutName, un, FLOAT);

  const hiddenSize = fixedDim(hidden, 2);
  const unetHidden = fixedDim(ehs, 2);
  if (hiddenSize !== undefined && unetHidden !== undefined && hiddenSize !== unetHidden) {
    throw mismatch(`${te} gives hidden size ${hiddenSize} but ${un} expects encoder_hidden_states of size ${unetHidden}`);
  }
  const seqTe = fixedDim(ids, 1);
  const seqUnet = fixedDim(ehs, 1);
  if (seqTe !== undefined && seqUnet !== undefined && seqTe !== seqUnet) {
    throw mismatch(`${te} takes ${seqTe} tokens but ${un} expects ${seqUnet}`);
  }
  const latentChannels = fixedDim(sample, 1) ?? (layout.kind === 'pixel' ? 3 : 4);
  if (layout.kind === 'pixel' && latentChannels !== 3)
    throw mismatch(`pixel model ${un} 'sample' has ${latentChannels} channels, expected 3 (RGB)`);

  let vaeInName = 'latent_sample';
  let vaeOutName = 'sample';
  let vaeBatchOne = false;
  let vaeInType: FloatType = 'float32';
  let vaeOutType: FloatType = 'float32';
  if (vae) {
    const latentIn = inputSpec(vae, 'latent_sample', vd, FLOAT);
    expectRank(latentIn, 4, vd);
    vaeInName = latentIn.name;
    vaeOutName = firstOutput(vae, 'sample');
    const out = outputSpec(vae, vaeOutName, vd, FLOAT);
    const vaeCh = fixedDim(latentIn, 1);
    if (vaeCh !== undefined && vaeCh !== latentChannels) {
      throw mismatch(`${un} works on ${latentChannels} latent channels but ${vd} takes ${vaeCh}`);
    }
    const outCh = fixedDim(out, 1);
    if (outCh !== undefined && outCh !== 3) throw mismatch(`${vd} outputs ${outCh} channels, expected 3 (RGB)`);
    vaeBatchOne = fixedDim(latentIn, 0) === 1;
    vaeInType = latentIn.type as FloatType;
    vaeOutType = out.type as FloatType;
  }

  return {
    idsName: ids.name,
    idsType: ids.type as 'int32' | 'int64',
    sequenceLength: seqTe ?? seqUnet ?? 0,
    textEncoderBatchOne: fixedDim(ids, 0) === 1,
    hiddenName,
    hiddenSize: hiddenSize ?? unetHidden,
    timestepType: timestep.type as ModelIo['timestepType'],
    timestepShape: timestepShape(timestep),
    latentChannels,
    unetHeight: fixedDim(sample, 2),
    unetWidth: fixedDim(sample, 3),
    unetBatch: fixedDim(sample, 0),
    unetOutName,
    vaeInName,
    vaeOutName,
    vaeBatchOne,
    hiddenType: hidden.type as FloatType,
    sampleType: sample.type as FloatType,
    encoderStatesType: ehs.type as FloatType,
    unetOutType: unetOut.type as FloatType,
    vaeInType,
    vaeOutType,
  };
}
