/**
 * A deliberately slow pixel-space model with shapes-v1's exact interface, written at test time
 * (no weights are shipped): text_encoder `input_ids` int64 [batch, 8] → `last_hidden_state`
 * [batch, 8, 128]; unet `sample` [batch, 3, 32, 32], `timestep` int64 [batch],
 * `encoder_hidden_states` [batch, 8, 128] → `out_sample` [batch, 3, 32, 32]. The tokenizer and
 * scheduler are shapes-v1's (JSON, no weights).
 *
 * The UNet lifts the 32×32 input to `channels` channels, upsamples `upscale`× and runs `convs`
 * 3×3 convolutions with tanh residuals there: 2·convs·(32·upscale)²·channels²·9 FLOP per image
 * (defaults: 155 GFLOP per image, ~1.5 s per CFG step of batch 2 on two CPU cores). Seeded Gaussian weights; the
 * output is scaled small so sampling stays finite. It draws noise, not shapes: it exists to
 * prove that a long step never starves the worker's event loop.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GaussianNoise } from '../../src/inference/seeded-noise.js';
import {
  DataType,
  encodeModel,
  floatTensor,
  int64Tensor,
  node,
  valueInfo,
  type TensorMessage,
} from '../../src/inference/onnx-proto/onnx-builder.js';

export interface SlowModelOptions {
  /** Channels of the big convolutions (default 256). */
  channels?: number;
  /** Upsampling factor before them (default 4: 128×128). */
  upscale?: number;
  /** How many big convolutions (default 8). */
  convs?: number;
  seed?: number;
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHAPES_V1 = join(REPO, 'models', 'shapes-v1');
const HIDDEN = 128;
const SEQ = 8;
const VOCAB = 25;
const SIZE = 32;

function gaussian(noise: GaussianNoise, count: number, std: number): Float32Array {
  const out = new Float32Array(count);
  noise.fill(out, 0, count);
  for (let i = 0; i < count; i++) out[i] *= std;
  return out;
}

function scalar(name: string, value: number): TensorMessage {
  return floatTensor(name, [], new Float32Array([value]));
}

export function slowUnet(options: SlowModelOptions = {}): Uint8Array {
  const c = options.channels ?? 256;
  const up = options.upscale ?? 4;
  const convs = options.convs ?? 8;
  const noise = new GaussianNoise(options.seed ?? 0);
  const conv = (name: string, out: number, inp: number): TensorMessage[] => [
    floatTensor(`${name}.w`, [out, inp, 3, 3], gaussian(noise, out * inp * 9, 1 / Math.sqrt(inp * 9))),
    floatTensor(`${name}.b`, [out], gaussian(noise, out, 0.01)),
  ];
  const pads = { pads: [1, 1, 1, 1], kernel_shape: [3, 3] };
  const init: TensorMessage[] = [
    ...conv('inp', c, 3),
    floatTensor('t.w', [1, c], gaussian(noise, c, 1)),
    floatTensor('e.w', [HIDDEN, c], gaussian(noise, HIDDEN * c, 1 / Math.sqrt(HIDDEN))),
    int64Tensor('shape.b1', [2], [-1, 1]),
    int64Tensor('shape.cond', [4], [0, c, 1, 1]),
    floatTensor('scales', [4], new Float32Array([1, 1, up, up])),
    scalar('k.t', 1 / 1000),
    scalar('k.res', 0.1),
    scalar('k.out', 0.01),
    ...conv('out', 3, c),
  ];
  const nodes = [
    node('Conv', ['sample', 'inp.w', 'inp.b'], ['h0'], pads),
    node('Cast', ['timestep'], ['t.f'], { to: { int: DataType.FLOAT } }),
    node('Reshape', ['t.f', 'shape.b1'], ['t.col']),
    node('Mul', ['t.col', 'k.t'], ['t.scaled']),
    node('MatMul', ['t.scaled', 't.w'], ['t.emb']),
    node('ReduceMean', ['encoder_hidden_states'], ['e.mean'], { axes: [1], keepdims: { int: 0 } }),
    node('MatMul', ['e.mean', 'e.w'], ['e.emb']),
    node('Add', ['t.emb', 'e.emb'], ['cond']),
    node('Reshape', ['cond', 'shape.cond'], ['cond4']),
    node('Add', ['h0', 'cond4'], ['h1']),
    node('Resize', ['h1', '', 'scales'], ['x0'], { mode: 'nearest' }),
  ];
  for (let k = 0; k < convs; k++) {
    init.push(...conv(`big${k}`, c, c));
    nodes.push(
      node('Conv', [`x${k}`, `big${k}.w`, `big${k}.b`], [`c${k}`], pads),
      node('Tanh', [`c${k}`], [`a${k}`]),
      node('Mul', [`a${k}`, 'k.res'], [`r${k}`]),
      node('Add', [`x${k}`, `r${k}`], [`x${k + 1}`]),
    );
  }
  nodes.push(
    node('AveragePool', [`x${convs}`], ['pooled'], { kernel_shape: [up, up], strides: [up, up] }),
    node('Conv', ['pooled', 'out.w', 'out.b'], ['o'], pads),
    node('Mul', ['o', 'k.out'], ['out_sample']),
  );
  return encodeModel({
    name: 'slow_unet',
    nodes,
    initializers: init,
    inputs: [
      valueInfo('sample', DataType.FLOAT, ['batch', 3, SIZE, SIZE]),
      valueInfo('timestep', DataType.INT64, ['batch']),
      valueInfo('encoder_hidden_states', DataType.FLOAT, ['batch', SEQ, HIDDEN]),
    ],
    outputs: [valueInfo('out_sample', DataType.FLOAT, ['batch', 3, SIZE, SIZE])],
  });
}

/** An embedding lookup and a tanh: the interface of shapes-v1's text encoder, none of its cost. */
export function slowTextEncoder(seed = 1): Uint8Array {
  const noise = new GaussianNoise(seed);
  return encodeModel({
    name: 'slow_text_encoder',
    nodes: [node('Gather', ['emb', 'input_ids'], ['embedded'], { axis: { int: 0 } }), node('Tanh', ['embedded'], ['last_hidden_state'])],
    initializers: [floatTensor('emb', [VOCAB, HIDDEN], gaussian(noise, VOCAB * HIDDEN, 1))],
    inputs: [valueInfo('input_ids', DataType.INT64, ['batch', SEQ])],
    outputs: [valueInfo('last_hidden_state', DataType.FLOAT, ['batch', SEQ, HIDDEN])],
  });
}

/** Writes the model folder (model_index.json, scheduler/, tokenizer/, text_encoder/, unet/). */
export function writeSlowModel(dir: string, options: SlowModelOptions = {}): void {
  mkdirSync(join(dir, 'text_encoder'), { recursive: true });
  mkdirSync(join(dir, 'unet'), { recursive: true });
  cpSync(join(SHAPES_V1, 'tokenizer'), join(dir, 'tokenizer'), { recursive: true });
  cpSync(join(SHAPES_V1, 'scheduler'), join(dir, 'scheduler'), { recursive: true });
  writeFileSync(join(dir, 'text_encoder', 'model.onnx'), slowTextEncoder((options.seed ?? 0) + 1));
  writeFileSync(join(dir, 'unet', 'model.onnx'), slowUnet(options));
  writeFileSync(
    join(dir, 'model_index.json'),
    JSON.stringify(
      {
        _class_name: 'DiffscopePixelPipeline',
        text_encoder: ['diffscope', 'SlowTextEncoder'],
        tokenizer: ['transformers', 'PreTrainedTokenizerFast'],
        unet: ['diffscope', 'SlowUNet'],
        scheduler: ['diffusers', 'DDIMScheduler'],
        diffscope: {
          kind: 'pixel',
          sample_size: SIZE,
          description: `slow test model (tools/onnx-model/slow-model.ts): ${options.convs ?? 8} convolutions of ${options.channels ?? 256} channels at ${SIZE * (options.upscale ?? 4)}px, random weights`,
        },
      },
      null,
      2,
    ) + '\n',
  );
}
